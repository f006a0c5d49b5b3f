"""Notification delivery throughput beside the raw dispatcher's, in one run.

    python -m tests.integration.bench_notifications [--leads 500] [--postgres]

Builds a fresh store (SQLite, or PostgreSQL at SHOWROOM_TEST_DATABASE_URL with --postgres),
captures N leads assigned to a salesperson, with a WeCom robot for the store at a local HTTP
receiver (127.0.0.1) and the salesperson's e-mail at a local SMTP server. Then, in one thread:
1. the raw dispatcher follows the whole log into job rows (its sender records, sends nothing);
2. the notification jobs run one after another: plan the deliveries, POST to the robot, send
   the mail. Prints events/s and jobs/s for 1, deliveries/s for 2.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from domain.shared.actor import SYSTEM
from projections.notifications import queries
from projections.runner import wait_for
from tests.conftest import PG_URL, sqlite_settings
from tests.integration.conftest import build_world
from tests.integration.notify_receivers import smtp_server, webhook_server
from workers import broker as job_broker
from workers.actors.notifications import deliver_notifications
from workers.dispatcher import Dispatch
from workers.notify import store
from workers.runtime import Runtime
from workers.settings import Settings


class Recorded:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, actor: str, args: Any, job: str) -> None:
        self.sent.append((actor, dict(args)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=500)
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, webhook_server() as hooks, smtp_server() as box:
        os.environ.update(
            SHOWROOM_NOTIFY_HOSTS="127.0.0.1",
            SHOWROOM_SMTP_HOST="127.0.0.1",
            SHOWROOM_SMTP_PORT=str(box.port),
        )
        settings = sqlite_settings(Path(folder))
        if options.postgres:
            schema = f"bench_notify_{os.getpid()}"
            with psycopg.connect(PG_URL, autocommit=True) as connection:
                connection.execute(f"CREATE SCHEMA {schema}")
            settings = Settings(
                data_dir=Path(folder) / "var",
                database_url=PG_URL,
                postgres_schema=schema,
                secret_key="bench-secret-" + "x" * 32,
            )
        runtime = Runtime.build(settings, create_tables=True)
        runtime.runner.start()
        try:
            run(runtime, settings, options.leads, hooks, box)
        finally:
            runtime.close()
            if options.postgres:
                with psycopg.connect(PG_URL, autocommit=True) as connection:
                    connection.execute(f"DROP SCHEMA {settings.postgres_schema} CASCADE")


def run(runtime: Runtime, settings: Settings, n: int, hooks: Any, box: Any) -> None:
    world = build_world(runtime)
    seller = world.staff["sales_a1"]
    store.add_robot(
        runtime.db,
        store_id=str(world.store_a),
        channel="wecom",
        name="floor",
        url=hooks.url("/wecom"),
        secret=None,
        kinds=["lead_assigned"],
        language="zh-CN",
        by="bench",
    )
    user = runtime.db.one("SELECT user_id FROM rm_notify_user WHERE staff_id = ?", (str(seller),))
    assert user is not None
    store.save_preferences(
        runtime.db,
        store.Preferences(
            user_id=user["user_id"], email="a1@example.com", kinds={"lead_assigned": ["email"]}
        ),
    )
    for i in range(n):
        runtime.leads.capture_lead(
            SYSTEM,
            world.store_a,
            "walk_in",
            customer_name=f"Bench {i}",
            customer_phone=f"139{i:08d}",
            salesperson_id=seller,
        )
    head = runtime.app.position()
    wait_for(runtime.db, ["notifications"], head, 300)

    sender = Recorded()
    dispatch = Dispatch(runtime.app, runtime.db, sender, lock_dir=settings.data_dir)
    started = time.perf_counter()
    dispatch.run_until_idle()
    raw = time.perf_counter() - started
    positions = [a["position"] for actor, a in sender.sent if actor == "deliver_notifications"]
    print(
        f"log: {head} events; dispatcher: {head / raw:,.0f} events/s, "
        f"{len(sender.sent) / raw:,.0f} jobs/s ({len(sender.sent)} jobs in {raw:.2f} s)"
    )

    job_broker.configure(settings, runtime)
    started = time.perf_counter()
    for position in positions:
        deliver_notifications.fn(position=position)
    took = time.perf_counter() - started
    delivered = store.counts(runtime.db).get("delivered", 0)
    assert len(hooks.taken("/wecom")) == n and len(box.messages) == n, (
        len(hooks.taken("/wecom")),
        len(box.messages),
    )
    print(
        f"delivery: {delivered} deliveries ({n} robot POSTs + {n} mails) in {took:.2f} s: "
        f"{delivered / took:,.0f} deliveries/s, {len(positions) / took:,.0f} events/s; "
        f"inbox rows {len(queries.all_rows(runtime.db))}"
    )


if __name__ == "__main__":
    main()
