"""The menu in groups (api/pages/menu.py): an item's own group wins, an item without one gets
its path's group or "more", groups keep the item order and the groups' order, empty groups are
left out, and every page of every area lands in a named group (none falls to "more" unseen)."""

from __future__ import annotations

from api.pages import AREAS
from api.pages.menu import GROUPS, PATH_GROUPS, group_of, grouped
from api.pages.render import NavItem
from domain.shared.actor import Role

ROLES = (Role.STORE_MANAGER,)


def test_an_items_own_group_wins_over_its_paths() -> None:
    item = NavItem("/app/my-day", "My day", ROLES, group="team")
    assert group_of(item) == "team"


def test_an_item_without_a_group_gets_its_paths_group_or_more() -> None:
    assert group_of(NavItem("/app/losses", "Losses", ROLES)) == "leads"
    assert group_of(NavItem("/app/somewhere-new", "New", ROLES)) == "more"
    assert group_of(NavItem("/app/somewhere-new", "New", ROLES, group="no-such")) == "more"


def test_groups_come_in_their_order_with_their_items_in_order_and_none_empty() -> None:
    items = [
        NavItem("/app/board", "Store board", ROLES),
        NavItem("/app/my-day", "My day", ROLES),
        NavItem("/app/leaderboard", "Leaderboard", ROLES),
    ]
    groups = grouped(items)
    assert [g.key for g in groups] == ["floor", "results"]
    assert [i.label for i in groups[1].items] == ["Store board", "Leaderboard"]
    assert groups[1].holds("/app/leaderboard") and not groups[0].holds("/app/leaderboard")


def test_every_page_in_the_menu_has_a_named_group() -> None:
    keys = {key for key, _label in GROUPS}
    unplaced = [
        item.path
        for area in AREAS
        for item in area.NAV
        if item.path != "/app/account" and group_of(item) == "more"
    ]
    assert unplaced == []
    assert set(PATH_GROUPS.values()) <= keys
