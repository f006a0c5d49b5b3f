"""The inbox: one row per notification and recipient, from the log (`rules.NOTICES`).

Rebuildable: a notification's id derives from its event (aggregate id and version), its kind
and its recipient, and its recipients are chosen from the users known at that point of the log,
so a rebuild writes the same rows. Whether a user has read one is not a fact of the log: it is
kept beside the view (`queries.READS`, keyed by these ids), so a rebuild keeps it.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar
from uuid import UUID, uuid5

from domain.finance.model import LoanApplication
from domain.leads.model import Lead
from domain.organisation.model import User
from domain.organisation.teams import SalesTeams
from domain.pay.periods import PayPeriod
from domain.performance.evaluations import Evaluation
from domain.shared.access import can_read
from domain.shared.actor import Principal, Role
from domain.topics import stored_topics
from projections.common import sid, utc_iso
from projections.db import Tx
from projections.notifications.rules import NOTICES, About, Facts, Notice
from projections.projection import Projection, handles

_NAMESPACE = UUID("0f4c2a1e-7b9d-4e55-8c3a-2d6e9b1f7a40")


def notification_id(event: Any, kind: str, user_id: str) -> str:
    return str(
        uuid5(_NAMESPACE, f"{event.originator_id}:{event.originator_version}:{kind}:{user_id}")
    )


def event_key(event: Any) -> str:
    """The event a notification came from (its deliveries to store robots are keyed by it)."""
    return f"{event.originator_id}:{event.originator_version}"


class _TxFacts(Facts):
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    def subject(self, ident: str) -> dict[str, Any]:
        row = self.tx.one("SELECT * FROM rm_notify_subject WHERE subject_id = ?", (ident,))
        return dict(row) if row else {}


class NotificationsProjection(Projection):
    """Each user's notifications, with who the users are and what the records are about."""

    name = "notifications"
    tables = (
        "rm_notify_user",
        "rm_notify_subject",
        "rm_notification",
        "rm_notify_event",
        "rm_notify_team",
    )
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_notify_user ("
        " user_id TEXT PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL, store_id TEXT,"
        " staff_id TEXT, language TEXT, active INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_notify_user_staff ON rm_notify_user (staff_id)",
        "CREATE TABLE IF NOT EXISTS rm_notify_subject ("
        " subject_id TEXT PRIMARY KEY, store_id TEXT, owner_id TEXT, month TEXT, detail TEXT)",
        "CREATE TABLE IF NOT EXISTS rm_notification ("
        " notification_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL,"
        " params TEXT NOT NULL, link TEXT NOT NULL, store_id TEXT, event_key TEXT NOT NULL,"
        " position BIGINT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_notification_user ON rm_notification (user_id, position)",
        "CREATE INDEX IF NOT EXISTS rm_notification_position ON rm_notification (position)",
        # One row per notifying event, recipients or not (a store's group robot hears of it).
        "CREATE TABLE IF NOT EXISTS rm_notify_event ("
        " event_key TEXT PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL,"
        " link TEXT NOT NULL, store_id TEXT, position BIGINT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_notify_event_position ON rm_notify_event (position)",
        # The sales teams: a team leader hears of the records of the team (the read policy's
        # `Principal.team`, as the write side fills it from the store's teams record).
        "CREATE TABLE IF NOT EXISTS rm_notify_team ("
        " team_id TEXT NOT NULL, staff_id TEXT NOT NULL, leads INTEGER NOT NULL,"
        " PRIMARY KEY (team_id, staff_id))",
    )
    _notices: ClassVar[dict[str, Notice]] = {
        topic: notice for cls, notice in NOTICES.items() for topic in stored_topics(cls)
    }

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(self._handlers) | frozenset(self._notices)

    def handle(self, topic: str, event: Any, tx: Tx) -> None:
        if topic in self._handlers:
            getattr(self, self._handlers[topic])(event, tx)
        notice = self._notices.get(topic)
        if notice is not None:
            self.notify(notice, event, tx)

    # --- who the users are --------------------------------------------------------------------

    @handles(User.Registered)
    def on_registered(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO rm_notify_user (user_id, username, role, store_id, staff_id, language,"
            " active) VALUES (?, ?, ?, ?, ?, NULL, 1) ON CONFLICT (user_id) DO NOTHING",
            (
                sid(event.originator_id),
                event.username,
                event.role,
                sid(event.store_id),
                sid(event.staff_id),
            ),
        )

    @handles(User.Deactivated, User.Reactivated)
    def on_active(self, event: Any, tx: Tx) -> None:
        active = 0 if isinstance(event, User.Deactivated) else 1
        tx.execute(
            "UPDATE rm_notify_user SET active = ? WHERE user_id = ?",
            (active, sid(event.originator_id)),
        )

    @handles(User.LanguageChosen)
    def on_language(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE rm_notify_user SET language = ? WHERE user_id = ?",
            (event.language, sid(event.originator_id)),
        )

    # --- the sales teams (domain/organisation/teams.py) -----------------------------------------

    @handles(SalesTeams.TeamFormed)
    def on_team_formed(self, event: Any, tx: Tx) -> None:
        self._member(tx, event.team_id, event.leader_id, leads=1)

    @handles(SalesTeams.MemberAdded)
    def on_member_added(self, event: Any, tx: Tx) -> None:
        self._member(tx, event.team_id, event.staff_id, leads=0)

    @handles(SalesTeams.MemberRemoved)
    def on_member_removed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "DELETE FROM rm_notify_team WHERE team_id = ? AND staff_id = ?",
            (sid(event.team_id), sid(event.staff_id)),
        )

    @handles(SalesTeams.LeaderChanged)
    def on_leader_changed(self, event: Any, tx: Tx) -> None:
        # The old leader stays a member; the new one joins if not in the team yet.
        tx.execute("UPDATE rm_notify_team SET leads = 0 WHERE team_id = ?", (sid(event.team_id),))
        self._member(tx, event.team_id, event.leader_id, leads=1)

    @handles(SalesTeams.TeamDisbanded)
    def on_team_disbanded(self, event: Any, tx: Tx) -> None:
        tx.execute("DELETE FROM rm_notify_team WHERE team_id = ?", (sid(event.team_id),))

    @staticmethod
    def _member(tx: Tx, team_id: Any, staff_id: Any, leads: int) -> None:
        tx.execute(
            "INSERT INTO rm_notify_team (team_id, staff_id, leads) VALUES (?, ?, ?)"
            " ON CONFLICT (team_id, staff_id) DO UPDATE SET leads = excluded.leads",
            (sid(team_id), sid(staff_id), leads),
        )

    # --- what the records are about -------------------------------------------------------------

    def _subject(self, tx: Tx, ident: Any, **values: Any) -> None:
        columns = ("store_id", "owner_id", "month", "detail")
        given = {k: v for k, v in values.items() if k in columns}
        tx.execute(
            "INSERT INTO rm_notify_subject (subject_id, store_id, owner_id, month, detail)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject_id) DO NOTHING",
            (str(ident), *(sid(given.get(c)) for c in columns)),
        )
        if given:
            sets = ", ".join(f"{c} = ?" for c in given)
            tx.execute(
                f"UPDATE rm_notify_subject SET {sets} WHERE subject_id = ?",
                (*(sid(v) for v in given.values()), str(ident)),
            )

    @handles(Lead.Captured)
    def on_lead(self, event: Any, tx: Tx) -> None:
        self._subject(tx, event.originator_id, store_id=event.store_id, detail=event.channel)

    @handles(PayPeriod.Opened)
    def on_period(self, event: Any, tx: Tx) -> None:
        self._subject(tx, event.originator_id, store_id=event.store_id, month=event.month)

    @handles(PayPeriod.DisputeRaised)
    def on_dispute(self, event: Any, tx: Tx) -> None:
        period = _TxFacts(tx).subject(str(event.originator_id))
        self._subject(
            tx, event.dispute_id, store_id=period.get("store_id"), owner_id=event.salesperson_id
        )

    @handles(Evaluation.Opened)
    def on_evaluation(self, event: Any, tx: Tx) -> None:
        self._subject(tx, event.originator_id, owner_id=event.salesperson_id, month=event.month)

    @handles(LoanApplication.Submitted)
    def on_loan_application(self, event: Any, tx: Tx) -> None:
        self._subject(
            tx,
            event.originator_id,
            store_id=event.store_id,
            owner_id=event.salesperson_id,
            detail=event.deal_id,
        )

    @handles(Evaluation.Computed)
    def on_computed(self, event: Any, tx: Tx) -> None:
        self._subject(tx, event.originator_id, store_id=event.store_id)

    # --- the notifications ----------------------------------------------------------------------

    def notify(self, notice: Notice, event: Any, tx: Tx) -> None:
        if notice.applies is not None and not notice.applies(event):
            return
        about = notice.about(event, _TxFacts(tx))
        link = notice.link.format(**about.params)
        params = json.dumps(about.params, sort_keys=True, ensure_ascii=False)
        when = utc_iso(event.occurred_at)
        tx.execute(
            "INSERT INTO rm_notify_event (event_key, kind, params, link, store_id, position,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING",
            (event_key(event), notice.kind, params, link, about.store_id, self.position, when),
        )
        rows = []
        for user in recipients(tx, notice, about, getattr(event, "actor", None)):
            rows.append(
                (
                    notification_id(event, notice.kind, user),
                    user,
                    notice.kind,
                    params,
                    link,
                    about.store_id,
                    event_key(event),
                    self.position,
                    when,
                )
            )
        if rows:
            tx.executemany(
                "INSERT INTO rm_notification (notification_id, user_id, kind, params, link,"
                " store_id, event_key, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (notification_id) DO NOTHING",
                rows,
            )


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def _team_led_by(tx: Tx, staff_id: str | None) -> frozenset[UUID]:
    """The members of the team `staff_id` leads (none: not leading one)."""
    rows = tx.query(
        "SELECT m.staff_id FROM rm_notify_team m JOIN rm_notify_team l ON l.team_id = m.team_id"
        " WHERE l.staff_id = ? AND l.leads = 1",
        (staff_id,),
    )
    return frozenset(UUID(r["staff_id"]) for r in rows)


def recipients(tx: Tx, notice: Notice, about: About, actor: str | None) -> list[str]:
    """The users a notice goes to, in id order: the staff it names and the users of its roles,
    each only if the read policy lets them read the record it is about."""
    staff = [s for s in about.staff if s] if notice.to.staff else []
    roles = [r.value for r in notice.to.roles]
    clauses, params = [], []
    if staff:
        clauses.append(f"staff_id IN ({', '.join('?' for _ in staff)})")
        params.extend(staff)
    if roles:
        clauses.append(f"role IN ({', '.join('?' for _ in roles)})")
        params.extend(roles)
    if not clauses:
        return []
    rows = tx.query(
        f"SELECT * FROM rm_notify_user WHERE active = 1 AND ({' OR '.join(clauses)})"
        " ORDER BY user_id",
        tuple(params),
    )
    chosen = []
    for row in rows:
        if notice.to.except_actor and row["user_id"] == actor:
            continue
        principal = Principal(
            user_id=row["user_id"],
            role=Role(row["role"]),
            store_id=_uuid(row["store_id"]),
            staff_id=_uuid(row["staff_id"]),
            team=_team_led_by(tx, row["staff_id"])
            if row["role"] == Role.TEAM_LEADER
            else frozenset(),
        )
        # A staff recipient reads a record about themselves (their statement, their lead).
        named = row["staff_id"] is not None and row["staff_id"] in staff
        owner = about.owner_id or (row["staff_id"] if named else None)
        if can_read(principal, _uuid(about.store_id), _uuid(owner)):
            chosen.append(row["user_id"])
    return chosen
