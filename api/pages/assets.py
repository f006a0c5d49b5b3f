"""The pages' static files, served under content-hashed names with a year-long cache.

Each asset is read once at start-up, named `<stem>.<hash>.<ext>` by the first 12 hex digits of
its SHA-256, and kept in memory with its gzip form: a new release changes the name, so browsers
may keep a name forever (`immutable`), and nothing is fetched from anywhere at run time. The
vendored libraries come from the npm registry through package.json and package-lock.json
(`npm ci`, run by `make install`); the app's own CSS and JS live in api/pages/static/.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

PAGES = Path(__file__).parent
ROOT = PAGES.parent.parent
NODE_MODULES = ROOT / "node_modules"

# Logical name -> file. ECharts is large and loads only on pages that draw a chart.
SOURCES: dict[str, Path] = {
    "app.css": PAGES / "static" / "app.css",
    "app.js": PAGES / "static" / "app.js",
    "charts.js": PAGES / "static" / "charts.js",
    "htmx.js": NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js",
    "alpine.js": NODE_MODULES / "@alpinejs" / "csp" / "dist" / "cdn.min.js",
    "echarts.js": NODE_MODULES / "echarts" / "dist" / "echarts.min.js",
}
# Assets every page loads (the first-load budget counts these).
FIRST_LOAD = ("app.css", "htmx.js", "alpine.js", "app.js")
CACHE_FOREVER = "public, max-age=31536000, immutable"


class AssetsMissingError(RuntimeError):
    """node_modules lacks a pinned package: `make install` (npm ci) was not run."""


@dataclass(frozen=True)
class Asset:
    name: str  # the hashed name, as served
    content: bytes
    gzipped: bytes
    media_type: str


@functools.lru_cache(maxsize=64)
def _gzipped_by_digest(digest: str, content: bytes) -> bytes:
    return gzip.compress(content, compresslevel=9, mtime=0)


def _gzipped(content: bytes, digest: str) -> bytes:
    """An asset compressed once per process and content (ECharts at level 9 takes 0.6 s; a
    process that builds several apps, as the tests do, compresses it once)."""
    return _gzipped_by_digest(digest + str(len(content)), content)


class Assets:
    """The served assets, by logical name and by hashed name."""

    def __init__(self, sources: dict[str, Path] = SOURCES) -> None:
        self.by_logical: dict[str, Asset] = {}
        for logical, path in sources.items():
            if not path.is_file():
                raise AssetsMissingError(
                    f"{path} is missing: run `make install` (npm ci installs the pages' assets)"
                )
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()[:12]
            stem, _, ext = logical.rpartition(".")
            media = mimetypes.guess_type(logical)[0] or "application/octet-stream"
            if media.startswith("text/") or media.endswith("javascript"):
                media += "; charset=utf-8"
            self.by_logical[logical] = Asset(
                name=f"{stem}.{digest}.{ext}",
                content=content,
                gzipped=_gzipped(content, digest),
                media_type=media,
            )
        self.by_name = {asset.name: asset for asset in self.by_logical.values()}

    def url(self, logical: str) -> str:
        return f"/static/{self.by_logical[logical].name}"

    def first_load_gzipped_bytes(self) -> int:
        """What a first visit downloads of JS and CSS, compressed (ECharts excluded)."""
        return sum(len(self.by_logical[name].gzipped) for name in FIRST_LOAD)
