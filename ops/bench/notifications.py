"""Notification delivery throughput beside the raw dispatcher's, in one run.

    python -m ops.bench.notifications [--backend sqlite|postgres] [--leads 500]

One store over a fresh, migrated backend (`bench_store`), N leads captured and assigned to a
salesperson, with a WeCom robot for the store at a local HTTP receiver (127.0.0.1) and the
salesperson's e-mail at a local SMTP server (both started here; nothing leaves the machine).
Then, in one thread:
1. the raw dispatcher follows the whole log into job rows (its sender records, sends nothing);
2. the notification jobs run one after another: plan the deliveries, POST to the robot, send
   the mail. Prints events/s and jobs/s for 1, deliveries/s for 2.
"""

from __future__ import annotations

import argparse
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from domain.shared.actor import SYSTEM
from ops.bench.harness import bench_store
from projections.notifications import queries
from projections.runner import wait_for
from workers import broker as job_broker
from workers.actors.notifications import deliver_notifications
from workers.dispatcher import Dispatch
from workers.notify import store
from workers.runtime import Runtime
from workers.settings import Settings

PASSWORD = "bench-password-1"


class Recorded:
    """The dispatcher's sender for the raw run: records each job, sends nothing."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, actor: str, args: Any, job: str) -> None:
        self.sent.append((actor, dict(args)))


@dataclass
class Receiver:
    """A local robot webhook that takes every POST (WeCom's answer), counting them."""

    port: int = 0
    posts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}?key=bench"


@contextmanager
def robot_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.posts += 1
            data = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int
    messages: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        return "250 OK"


@contextmanager
def smtp_receiver() -> Iterator[Mailbox]:
    # aiosmtpd is a development dependency (the tests' SMTP server too): the benchmark runs
    # where the tests do, and the served application never imports this module.
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    box = Mailbox(port=port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def run(backend: str, leads: int) -> dict[str, float]:
    """Capture `leads` leads, then time the raw dispatcher and the notification jobs."""
    with robot_receiver() as robot, smtp_receiver() as box:
        os.environ.update(
            SHOWROOM_NOTIFY_HOSTS="127.0.0.1",
            SHOWROOM_SMTP_HOST="127.0.0.1",
            SHOWROOM_SMTP_PORT=str(box.port),
        )
        with bench_store(backend) as fresh:
            runtime = Runtime.build(fresh.settings)
            runtime.runner.start()
            try:
                return _measure(runtime, fresh.settings, leads, robot, box)
            finally:
                runtime.close()


def _measure(
    runtime: Runtime, settings: Settings, n: int, robot: Receiver, box: Mailbox
) -> dict[str, float]:
    org = runtime.organisation
    store_id = org.open_store(SYSTEM, "Bench BYD", "Shanghai", ["BYD"]).id
    seller = org.hire_staff(SYSTEM, store_id, "Bench Seller", "salesperson").id
    org.register_user(
        SYSTEM, "bench_seller", PASSWORD, "salesperson", store_id=store_id, staff_id=seller
    )
    store.add_robot(
        runtime.db,
        store_id=str(store_id),
        channel="wecom",
        name="floor",
        url=robot.url("/wecom"),
        secret=None,
        kinds=["lead_assigned"],
        language="zh-CN",
        by="bench",
    )
    wait_for(runtime.db, ["notifications"], runtime.app.position(), 300)
    user = runtime.db.one("SELECT user_id FROM rm_notify_user WHERE staff_id = ?", (str(seller),))
    if user is None:
        raise SystemExit("the notifications view has no user for the bench salesperson")
    store.save_preferences(
        runtime.db,
        store.Preferences(
            user_id=user["user_id"], email="seller@example.com", kinds={"lead_assigned": ["email"]}
        ),
    )
    for i in range(n):
        runtime.leads.capture_lead(
            SYSTEM,
            store_id,
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

    job_broker.configure(settings, runtime)
    started = time.perf_counter()
    for position in positions:
        deliver_notifications.fn(position=position)
    took = time.perf_counter() - started
    delivered = store.counts(runtime.db).get("delivered", 0)
    if robot.posts != n or box.messages != n:
        raise SystemExit(f"expected {n} robot POSTs and mails, got {robot.posts}, {box.messages}")
    return {
        "events": head,
        "dispatcher_events_per_s": head / raw,
        "dispatcher_jobs_per_s": len(sender.sent) / raw,
        "deliveries": delivered,
        "deliveries_per_s": delivered / took,
        "notification_events_per_s": len(positions) / took,
        "inbox_rows": len(queries.all_rows(runtime.db)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--leads", type=int, default=500)
    options = parser.parse_args()
    result = run(options.backend, options.leads)
    print(
        f"log: {result['events']:.0f} events; dispatcher: "
        f"{result['dispatcher_events_per_s']:,.0f} events/s, "
        f"{result['dispatcher_jobs_per_s']:,.0f} jobs/s"
    )
    print(
        f"delivery: {result['deliveries']:.0f} deliveries ({options.leads} robot POSTs + "
        f"{options.leads} mails): {result['deliveries_per_s']:,.0f} deliveries/s, "
        f"{result['notification_events_per_s']:,.0f} events/s; "
        f"inbox rows {result['inbox_rows']:.0f}"
    )


if __name__ == "__main__":
    main()
