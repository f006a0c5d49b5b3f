"""Where a lead came from: a kind of source from a fixed list, the source's name, a campaign.

The channel (walk-in, phone, website, marketplace...) says how the enquiry reached the store;
the source says who sent it: which marketplace (汽车之家 `autohome`, 懂车帝 `dongchedi`, 易车
`yiche`), which OEM programme, which social platform. Names are short lowercase slugs, so that
reports group `autohome` with `autohome` and a partner's scope can list them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID, uuid5

from domain.shared.errors import InvalidValueError


class SourceKind(StrEnum):
    MARKETPLACE = "marketplace"
    OEM = "oem"
    SOCIAL = "social"
    WEBSITE = "website"
    REFERRAL = "referral"
    OTHER = "other"


# Names the pages offer; any slug is accepted (a new marketplace needs no release).
KNOWN_SOURCES: dict[SourceKind, tuple[str, ...]] = {
    SourceKind.MARKETPLACE: ("autohome", "dongchedi", "yiche"),
    SourceKind.SOCIAL: ("douyin", "wechat", "xiaohongshu", "kuaishou", "weibo"),
}

_SLUG = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")
PARTNER_LEAD_NAMESPACE = UUID("6f1c1b5e-3a53-4d55-9d8e-6b2a0f6c9e11")


@dataclass(frozen=True)
class Origin:
    """A lead's source (kind and name), campaign and the partner that posted it, if any."""

    source_kind: str | None = None
    source_name: str | None = None
    campaign_id: UUID | None = None
    partner_id: UUID | None = None

    @property
    def source(self) -> str | None:
        """`kind:name` (or `kind`), the form partner scopes list."""
        if self.source_kind is None:
            return None
        return (
            self.source_kind if not self.source_name else f"{self.source_kind}:{self.source_name}"
        )


def source_slug(value: str, field: str = "source_name") -> str:
    """A source's name: lowercase letters, digits, `_ . -`, at most 40 characters."""
    cleaned = value.strip().lower()
    if not _SLUG.fullmatch(cleaned):
        raise InvalidValueError(
            f"{field} must be 1-40 lowercase letters, digits, '_', '.' or '-' (e.g. autohome)"
        )
    return cleaned


def origin(
    source_kind: str | None = None,
    source_name: str | None = None,
    campaign_id: UUID | None = None,
    partner_id: UUID | None = None,
) -> Origin:
    """A checked origin: a name needs a kind; the kind is one of SourceKind."""
    kind: str | None = None
    if source_kind is not None and source_kind != "":
        try:
            kind = SourceKind(source_kind.strip().lower()).value
        except ValueError:
            allowed = ", ".join(k.value for k in SourceKind)
            raise InvalidValueError(f"source_kind must be one of {allowed}") from None
    name = None if not source_name else source_slug(source_name)
    if name is not None and kind is None:
        raise InvalidValueError("a source_name needs its source_kind")
    return Origin(kind, name, campaign_id, partner_id)


def parse_source(value: str) -> tuple[str, str | None]:
    """`kind:name` or `kind` (as partner scopes list them), checked."""
    kind, _, name = value.partition(":")
    checked = origin(kind, name or None)
    assert checked.source_kind is not None
    return checked.source_kind, checked.source_name


def partner_lead_id(partner_id: UUID, partner_lead_ref: str) -> UUID:
    """The lead a partner's own lead id becomes: the same for the same partner and id, so a
    second post of it is a conflict on save (the log keeps it unique), never a second lead."""
    return uuid5(PARTNER_LEAD_NAMESPACE, f"{partner_id}:{partner_lead_ref}")
