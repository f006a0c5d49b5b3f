"""A pay plan's components in words, for every component type, in English and in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from api.pages import i18n
from api.pages.routes.plan_words import describe
from domain.pay.components import COMPONENT_TYPES, components_to_dicts, parse_components

EVERY_TYPE: list[dict[str, Any]] = [
    {"type": "per_unit", "key": "unit", "new": "300", "used": "200"},
    {
        "type": "percent_of_gross",
        "key": "commission",
        "rate": "0.2",
        "mini": "300",
        "back_rate": "0.1",
    },
    {
        "type": "volume_tiers",
        "key": "volume",
        "mode": "marginal",
        "condition": "new",
        "tiers": [{"threshold": "0", "rate": "0.02"}, {"threshold": "10", "rate": "0.04"}],
    },
    {
        "type": "spiff",
        "key": "aged_han",
        "amount": "1000",
        "models": ["Han"],
        "condition": "new",
        "min_days_in_stock": 60,
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-15",
        "budget": "2200",
    },
    {
        "type": "fni",
        "key": "fni",
        "products": {"finance": {"flat": "300"}, "accessories": {"rate": "0.05"}},
    },
    {"type": "scorecard_bonus", "key": "scorecard", "amount": "2000"},
    {
        "type": "csi_gate",
        "key": "csi",
        "threshold": "85",
        "min_surveys": 2,
        "too_few": "pass",
        "factor": "0.5",
        "components": ["unit"],
    },
    {"type": "cap", "key": "spiff_cap", "component": "aged_han", "limit": "2000"},
    {"type": "cap", "key": "total_cap", "limit": "50000"},
    {"type": "draw", "key": "draw", "amount": "3000"},
]


@pytest.fixture
def normalised() -> list[dict[str, Any]]:
    """The components as a published version stores them (the engine's own parse)."""
    return components_to_dicts(parse_components(EVERY_TYPE))


def words(components: list[dict[str, Any]], language: str) -> list[str]:
    token = i18n.current.set(language)
    try:
        return [describe(c) for c in components]
    finally:
        i18n.current.reset(token)


def test_every_component_type_is_put_in_english_words(normalised: list[dict[str, Any]]) -> None:
    assert {c["type"] for c in EVERY_TYPE} == set(COMPONENT_TYPES)

    said = words(normalised, "en")

    assert said == [
        "¥300.00 per new unit, ¥200.00 per used unit",
        "20% of commission gross, at least ¥300.00 per deal, plus 10% of back-end gross",
        "marginal volume tiers: from 0 units 2% of commission gross;"
        " from 10 units 4% of commission gross (new cars only)",
        "¥1,000.00 per matching unit (models: Han; new cars; at least 60 days in stock;"
        " delivered 2026-03-01 to 2026-03-15; budget ¥2,200.00 a month)",
        "accessories 5% of margin; finance ¥300.00 flat",
        "¥2,000.00 × the month's evaluation score ÷ 100",
        "CSI below 85: unit × 0.5 (fewer than 2 surveys: pass)",
        "aged_han at most ¥2,000.00",
        "the period total at most ¥50,000.00",
        "an advance of ¥3,000.00 a month, recovered from earnings",
    ]


def test_every_component_type_is_put_in_chinese_words(normalised: list[dict[str, Any]]) -> None:
    said = words(normalised, "zh-CN")

    assert said[0] == "每辆新车 ¥300.00，每辆二手车 ¥200.00"
    assert said[1] == "佣金毛利的 20%，每单至少 ¥300.00，另加后端毛利的 10%"
    assert said[2].startswith("分段式台量阶梯：0 台起按佣金毛利的 2%")
    assert said[4] == "精品加装 毛利的 5%；金融贷款 固定 ¥300.00"
    assert said[-1] == "每月预支 ¥3,000.00，从提成中扣回"
    assert said[3].startswith("每辆符合条件的车 ¥1,000.00（车型：Han；新车；库龄至少 60 天")
    assert said[6] == "CSI 低于 85 时：unit × 0.5（回访少于 2 份时：不扣减）"
