"""Leaderboards: ranked by units, then front gross; equal units and gross share a rank."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.shared import months
from domain.shared.access import SYSTEM_READ, ReadScope
from domain.shared.shares import credited_units
from projections.common import check_page, paged, uid
from projections.db import Database, Row, yuan
from projections.leaderboard.projection import GROUP

_RANKED = (
    "SELECT board.*, RANK() OVER (ORDER BY board.units DESC, board.gross DESC) AS board_rank"
    " FROM ({board}) AS board"
)

_STORE_BOARD = (
    "SELECT l.salesperson_id AS salesperson_id, COALESCE(s.name, '') AS name,"
    " l.store_id AS store_id, COALESCE(st.name, '') AS store_name,"
    " l.units AS units, l.gross AS gross, l.revenue AS revenue"
    " FROM rm_leaderboard l"
    " LEFT JOIN rm_leaderboard_staff s ON s.staff_id = l.salesperson_id"
    " LEFT JOIN rm_leaderboard_store st ON st.store_id = l.store_id"
    " WHERE l.month = ? AND l.store_id = ?"
)

# Across the group a salesperson's stores are summed (the roll-up); the store shown is where
# they work now. Read in rank order off the roll-up's index: a page costs its own rows.
_GROUP_PAGE = (
    "SELECT g.salesperson_id AS salesperson_id, COALESCE(s.name, '') AS name,"
    " s.store_id AS store_id, COALESCE(st.name, '') AS store_name,"
    " g.units AS units, g.gross AS gross, g.revenue AS revenue"
    f" FROM {GROUP} g"
    " LEFT JOIN rm_leaderboard_staff s ON s.staff_id = g.salesperson_id"
    " LEFT JOIN rm_leaderboard_store st ON st.store_id = s.store_id"
    " WHERE g.month = ?"
    " ORDER BY g.units DESC, g.gross DESC, g.salesperson_id LIMIT ? OFFSET ?"
)


def leaderboard(
    db: Database,
    month: str,
    store_id: UUID | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    scope: ReadScope = SYSTEM_READ,
) -> dict[str, Any]:
    """A month's board of one store (with `store_id`) or of the whole group, within `scope`
    (store-bound staff: their store's board; a salesperson sees only their own gross).

    Items in rank order (ties by salesperson id: names are sealed in the view): rank
    (competition ranking: 1, 1, 3), salesperson_id, name (sealed: revealed as the answer
    leaves), store_id, store_name, units (Decimal: a split deal credits each salesperson
    their share, e.g. 0.50), gross and revenue (Decimal yuan, split by share too). Net of unwinds,
    so a line may show zero or negative units.
    """
    store_id, _ = scope.narrowed(store_id)
    months.parse(month)
    check_page(limit, offset)
    if store_id is None:
        rows, total = _group_board(db, month, limit, offset)
    else:
        params = [month, str(store_id)]
        ranked = _RANKED.format(board=_STORE_BOARD)
        counted = db.one(f"SELECT COUNT(*) AS n FROM ({_STORE_BOARD}) AS counted", params)
        rows = db.query(
            f"SELECT * FROM ({ranked}) AS ranked"
            " ORDER BY board_rank, salesperson_id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        total = int(counted["n"]) if counted else 0
    return paged([_line(r, scope) for r in rows], total, limit, offset) | {
        "month": month,
        "store_id": store_id,
    }


def _group_board(db: Database, month: str, limit: int, offset: int) -> tuple[list[Row], int]:
    counted = db.one(f"SELECT COUNT(*) AS n FROM {GROUP} WHERE month = ?", (month,))
    rows = db.query(_GROUP_PAGE, (month, limit, offset))
    if rows:
        # Competition ranks: the page's first line ranks after everyone strictly ahead of
        # it; each later line keeps its predecessor's rank on a tie, else its own position.
        first = rows[0]
        ahead = db.one(
            f"SELECT COUNT(*) AS n FROM {GROUP} WHERE month = ?"
            " AND (units > ? OR (units = ? AND gross > ?))",
            (month, first["units"], first["units"], first["gross"]),
        )
        rank = 1 + (int(ahead["n"]) if ahead else 0)
        previous = None
        for position, row in enumerate(rows, start=offset + 1):
            tie = (row["units"], row["gross"])
            if previous is not None and tie != previous:
                rank = position
            row["board_rank"], previous = rank, tie
    return rows, int(counted["n"]) if counted else 0


def _line(r: Row, scope: ReadScope) -> dict[str, Any]:
    salesperson_id = uid(r["salesperson_id"])
    return {
        "rank": int(r["board_rank"]),
        "salesperson_id": salesperson_id,
        "name": r["name"],
        "store_id": uid(r["store_id"]),
        "store_name": r["store_name"],
        "units": credited_units(int(r["units"])),
        "gross": yuan(int(r["gross"])) if scope.sees_gross_of(salesperson_id) else None,
        "revenue": yuan(int(r["revenue"])),
    }
