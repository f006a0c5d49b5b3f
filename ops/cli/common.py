"""What every group of commands shares: the runtime, the acting operator, parsing, tables."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from uuid import UUID

from domain.shared.actor import Principal, Role
from domain.shared.errors import InvalidValueError
from workers.runtime import Runtime
from workers.settings import Settings

# A command that starts its own projection runner may find the views far behind the log (no
# other process kept them current): its reads wait this long, not the API's few seconds.
CATCH_UP_SECONDS = 30.0


def open_runtime(settings: Settings) -> Runtime:
    """This command's runtime: every service, built once (workers/runtime.py)."""
    return Runtime.build(settings)


def open_running(settings: Settings) -> Runtime:
    """A runtime whose projection runner this command starts, waiting up to CATCH_UP_SECONDS."""
    patient = max(settings.read_wait_seconds, CATCH_UP_SECONDS)
    runtime = Runtime.build(replace(settings, read_wait_seconds=patient))
    runtime.runner.start()
    return runtime


class UsageError(Exception):
    """The command cannot run as typed: `main` prints the message and exits with 2."""


def operator(runtime: Runtime, username: str | None, role: Role) -> Principal:
    """The CLI acts as the named user, or as an operator of `role` stamped "cli" on events."""
    from domain.organisation.model import User

    if username is None:
        return Principal(user_id="cli", role=role, username="cli")
    found = runtime.organisation.principal(User.id_for(username))
    if found is None:
        raise UsageError(f"no active user {username!r}")
    return found


@contextmanager
def acting(
    settings: Settings, username: str | None, role: Role, *, running: bool = False
) -> Iterator[tuple[Runtime, Principal]]:
    """A runtime (`running`: with its projection runner started) and the acting operator."""
    runtime = open_running(settings) if running else open_runtime(settings)
    try:
        yield runtime, operator(runtime, username, role)
    finally:
        runtime.close()


def parse_id(value: str, field: str) -> UUID:
    """An id the operator typed, or a clear error (never a traceback)."""
    try:
        return UUID(value)
    except ValueError:
        raise InvalidValueError(f"{field} must be an id, not {value!r}") from None


def missing(args: argparse.Namespace, *names: str) -> str | None:
    """A usage message naming the options the action needs and did not get, or None."""
    absent = [f"--{n.replace('_', '-')}" for n in names if getattr(args, n) in (None, "", [])]
    if not absent:
        return None
    listed = " and ".join([", ".join(absent[:-1]), absent[-1]] if len(absent) > 1 else absent)
    return f"{args.command} {args.action} needs {listed}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(1.0)
