"""Logging of every process (API, projection runner, workers, CLI): one JSON object per line.

Each line: `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id` (the request, or
the job a request asked for, being worked on; null elsewhere), and on the access lines of the
API (logger `showroom.access`) `method`, `route` (the template, never the path), `status` and
`duration_ms`; `exception` with the traceback when there is one. Only these fields: whatever
else a caller passes in `extra` is dropped, so a log line never grows a body or a query by
accident. Nothing in the code logs a request body, a query string or a customer's fields
(docs/operations.md, "What is never logged").

`SHOWROOM_LOG_FORMAT=text` gives one readable line instead (for a person at a terminal);
`SHOWROOM_LOG_LEVEL` (default INFO) the threshold.

Several API processes (`showroom serve --processes N`) share their Prometheus counters through
files in one folder (`PROMETHEUS_MULTIPROC_DIR`): `multiprocess_metrics` prepares it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workers.correlation import REQUEST_ID

ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
_configured = False


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id (None outside a request or a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON with a fixed set of fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
        }
        for name in ACCESS_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def handler(stream: Any = None, *, text: bool = False) -> logging.Handler:
    """A handler writing JSON lines (or text) with request ids to `stream` (stderr)."""
    out = logging.StreamHandler(stream or sys.stderr)
    out.addFilter(RequestIdFilter())
    out.setFormatter(logging.Formatter(TEXT_FORMAT) if text else JsonFormatter())
    return out


def lean_records() -> None:
    """Skip what a log record gathers and a JSON line never shows: the caller's file and line
    (a walk up the stack on every record), thread and process names. The logging HOWTO's
    "Optimization" settings; they make the access line of every request cheaper."""
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Configure the root logger once per process: JSON lines on stderr."""
    global _configured
    if _configured:
        return
    env = os.environ if environ is None else environ
    root = logging.getLogger()
    root.addHandler(handler(text=env.get("SHOWROOM_LOG_FORMAT", "json") == "text"))
    root.setLevel(env.get("SHOWROOM_LOG_LEVEL", "INFO").upper())
    if env.get("SHOWROOM_LOG_FORMAT", "json") != "text":
        lean_records()
    # uvicorn's own loggers go through ours (`log_config=None`). Its access log stays off: it
    # prints each path with its query string (ids, phones); ours has the route template and the
    # request id. uvicorn writes access lines whenever that logger has a handler up its tree.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    silent = logging.getLogger("uvicorn.access")
    silent.handlers.clear()
    silent.propagate = False
    silent.disabled = True
    _configured = True


def multiprocess_metrics() -> Path:
    """A fresh folder for the Prometheus counters of several API processes, set in the
    environment they inherit (an operator's PROMETHEUS_MULTIPROC_DIR is used, emptied)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="showroom-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    # Counts of processes from before this start would be added in: begin at zero.
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


UVICORN_LOGGING: dict[str, Any] = {"log_config": None, "access_log": False}
