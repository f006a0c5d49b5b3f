"""Every message the pages show has a Chinese translation (zh-CN is the default language), and
every catalog file reads."""

from __future__ import annotations

from api.pages import i18n
from tests.pages.catalog import LOCALE, conflicts, missing


def test_every_page_message_has_a_chinese_translation() -> None:
    # `python -m tests.pages.catalog` prints the entries to add.
    assert missing("zh_CN") == {}


def test_each_area_has_a_catalog_in_both_languages() -> None:
    chinese = {path.name for path in (LOCALE / "zh_CN" / "LC_MESSAGES").glob("*.po")}
    english = {path.name for path in (LOCALE / "en" / "LC_MESSAGES").glob("*.po")}
    assert chinese == english and "common.po" in chinese


def test_a_message_reads_in_the_language_of_the_request() -> None:
    token = i18n.current.set("en")
    try:
        assert i18n.gettext("Log in") == "Log in"
        i18n.current.set("zh-CN")
        assert i18n.gettext("Log in") == "登录"
        assert i18n.gettext("Hello, %(name)s", name="王芳") == "您好，王芳"
    finally:
        i18n.current.reset(token)


def test_accept_language_picks_the_best_supported_language() -> None:
    assert i18n.from_accept_language("en-GB,en;q=0.9") == "en"
    assert i18n.from_accept_language("fr-FR, zh-TW;q=0.5, en;q=0.4") == "zh-CN"
    assert i18n.from_accept_language("fr-FR") == "zh-CN"
    assert i18n.from_accept_language("en;q=0, zh;q=0.1") == "zh-CN"
    assert i18n.from_accept_language("en;q=abc") == "zh-CN"


def test_no_two_areas_translate_a_message_differently() -> None:
    # The areas' catalogs are merged: a second wording of the same id would silently replace
    # the first on every page. A word that needs two wordings needs two message ids.
    assert conflicts("zh_CN") == {}
