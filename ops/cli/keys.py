"""`showroom keys`: the keyring (audit/keyring.py) and the event bodies' keys (docs/keys.md).

init       write a new keyring to the key folder (or --file), never over an existing one
status     key ids per purpose (never a secret) and stored events per events key
rotate     a new current key for a purpose; the old ones stay to read what they protected
reencrypt  rewrite every stored body not under the current events key under it (online)
retire     remove an old events key once no stored event is under it
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

from audit import cipher
from audit.cipher import EventBodyUnreadableError, EventKeyMissingError
from audit.event_keys import count_under, key_use, reencrypt
from audit.keyring import (
    ENV_KEY_DIR,
    ENV_KEYRING,
    ENV_KEYRING_FILE,
    FILE_NAME,
    PURPOSES,
    Keyring,
    default_key_dir,
    save_keyring,
)
from domain.app import Showroom
from ops.cli.common import UsageError
from workers.settings import Settings


def cmd_init(_settings: Settings | None, args: argparse.Namespace) -> int:
    """Write a new keyring; refuse to replace one (its keys read what they protected)."""
    env = os.environ
    data_dir = Path(env.get("SHOWROOM_DATA_DIR", "var"))
    key_dir = Path(env[ENV_KEY_DIR]) if env.get(ENV_KEY_DIR) else default_key_dir(data_dir)
    if args.file:
        path = Path(args.file)
    elif env.get(ENV_KEYRING_FILE):
        path = Path(env[ENV_KEYRING_FILE])
    else:
        path = key_dir / FILE_NAME
    if path.exists():
        raise UsageError(
            f"showroom keys init: {path} exists; a keyring is never overwritten (the data"
            " under its keys would be lost): `showroom keys rotate PURPOSE` adds a key"
        )
    if path.resolve().is_relative_to(data_dir.resolve()):
        raise UsageError(f"showroom keys init: {path} is inside the data folder {data_dir}")
    # An installation whose phone hashes were keyed by its token secret keeps them matching.
    seed = env.get("SHOWROOM_SECRET_KEY") or _local_secret(key_dir, data_dir)
    keyring = Keyring.generate(phone_seed=seed)
    save_keyring(path, keyring)
    print(
        f"wrote a new keyring to {path} (0600): {', '.join(_ids(keyring, p)[0] for p in PURPOSES)}"
    )
    if seed:
        print(
            "  its phone key is derived from the existing token secret (stored hashes still match)"
        )
    if env.get(ENV_KEYRING):
        print(f"  note: {ENV_KEYRING} is set and is read before this file")
    print(
        "  back it up apart from the data backups: a backup and its keys must not travel together"
    )
    return 0


def cmd_status(settings: Settings, _args: argparse.Namespace) -> int:
    """Key ids per purpose, current first; stored event bodies per events key."""
    keys = settings.keys
    print(f"keyring: {settings.keyring_file or settings.keys_dir / FILE_NAME}")
    for purpose in PURPOSES:
        ids = _ids(keys, purpose)
        print(f"  {purpose:<10} {ids[0]} (current)" + "".join(f", {i}" for i in ids[1:]))
    app = Showroom(env=settings.event_store_env())
    try:
        use = key_use(app, list(_ids(keys, "events")))
    finally:
        app.close()
    print(f"stored events: {use.total}")
    for key_id, count in use.by_key.items():
        marker = "" if key_id in _ids(keys, "events") or key_id.startswith("(") else "  MISSING"
        print(f"  {key_id:<30} {count}{marker}")
    return 0


def cmd_rotate(settings: Settings, args: argparse.Namespace) -> int:
    """A new current key for PURPOSE, written to the keyring file; the old keys are kept."""
    path = _writable(settings)
    rotated = settings.keys.rotated(args.purpose)
    save_keyring(path, rotated)
    new = rotated.current(args.purpose).id
    print(f"{args.purpose}: {new} is current; kept {', '.join(_ids(rotated, args.purpose)[1:])}")
    if args.purpose == "events":
        print(
            f"  running processes write under {new} within {cipher.RELOAD_SECONDS:g} s;"
            " then `showroom keys reencrypt` moves the stored bodies to it"
        )
    return 0


def cmd_reencrypt(settings: Settings, args: argparse.Namespace) -> int:
    """Rewrite every stored body not under the current events key under it, in batches."""
    path = settings.keyring_file or settings.keys_dir / FILE_NAME
    # Bodies a running process may still write under the old key until it follows the file.
    settle = path.stat().st_mtime + 2 * cipher.RELOAD_SECONDS + 1 if path.exists() else None
    # The migration reads the bodies stored in clear, to move them under the key.
    app = Showroom(env=dataclasses.replace(settings, read_clear_events=True).event_store_env())
    started = time.monotonic()

    def progress(position: int, rewritten: int) -> None:
        if args.verbose:
            print(f"  up to position {position}: {rewritten} rewritten", flush=True)

    rewritten = [0]

    def counted(position: int, count: int) -> None:
        rewritten[0] = count
        progress(position, count)

    try:
        current = settings.keys.current("events").id
        done = reencrypt(
            app, batch_size=args.batch, max_rows=args.max, settle_until=settle, progress=counted
        )
    except (EventKeyMissingError, EventBodyUnreadableError) as error:
        print(
            f"showroom keys reencrypt: stopped after {rewritten[0]} bodies: {error}",
            file=sys.stderr,
        )
        return 1
    finally:
        app.close()
    seconds = time.monotonic() - started
    state = "all bodies are" if done.complete else "stopped at --max; run again to go on:"
    print(
        f"re-encrypted {done.rewritten} event bodies under {current} in {done.batches} batches"
        f" ({seconds:.1f} s); {state} under {current}"
    )
    return 0


def cmd_retire(settings: Settings, args: argparse.Namespace) -> int:
    """Remove an old events key from the keyring, only when no stored event is under it."""
    keys = settings.keys
    purpose = next((p for p in PURPOSES if keys.find(p, args.key_id) is not None), None)
    if purpose is None:
        raise UsageError(f"showroom keys retire: no key {args.key_id!r} in the keyring")
    if purpose != "events":
        raise UsageError(
            f"showroom keys retire: {args.key_id} is a {purpose} key; only events keys are"
            " retired here (where every use of them can be counted)"
        )
    if keys.current(purpose).id == args.key_id:
        raise UsageError(f"showroom keys retire: {args.key_id} is the current events key")
    path = _writable(settings)
    app = Showroom(env=settings.event_store_env())
    try:
        using = count_under(app, args.key_id)
    finally:
        app.close()
    if using:
        print(
            f"showroom keys retire: {using} stored events are under {args.key_id};"
            " run `showroom keys reencrypt` first",
            file=sys.stderr,
        )
        return 1
    kept = tuple(key for key in keys.all(purpose) if key.id != args.key_id)
    save_keyring(path, Keyring({**keys.keys, purpose: kept}))
    left = ", ".join(key.id for key in kept)
    print(f"retired {args.key_id}: no stored event was under it; {purpose} keys now {left}")
    return 0


def _writable(settings: Settings) -> Path:
    path = settings.keyring_file or (
        settings.keys_dir / FILE_NAME if settings.keyring is None else None
    )
    if path is None:
        raise UsageError(
            f"the keyring comes from {ENV_KEYRING}: change it where it is kept (write it to a"
            f" file with {ENV_KEYRING_FILE} to let this command rotate it)"
        )
    return path


def _ids(keyring: Keyring, purpose: str) -> tuple[str, ...]:
    return tuple(key.id for key in keyring.all(purpose))


def _local_secret(key_dir: Path, data_dir: Path) -> str | None:
    for path in (key_dir / "secret.key", data_dir / "secret.key"):
        if path.exists():
            return path.read_text().strip() or None
    return None


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="the keyring: init, status, rotate, reencrypt, retire")
    actions = keys.add_subparsers(dest="action", required=True)
    init = actions.add_parser("init", help="write a new keyring (never over an existing one)")
    init.add_argument("--file", help="write it here, not in the key folder")
    # Needs no keyring to run: main() reads no settings for it (there is no keyring yet).
    init.set_defaults(func=cmd_init, without_settings=True)
    status = actions.add_parser("status", help="key ids per purpose; stored events per key")
    status.set_defaults(func=cmd_status)
    rotate = actions.add_parser("rotate", help="a new current key for a purpose (old ones kept)")
    rotate.add_argument("purpose", choices=[p for p in PURPOSES if p != "phone"])
    rotate.set_defaults(func=cmd_rotate)
    again = actions.add_parser(
        "reencrypt", help="rewrite stored bodies under the current events key (online, resumable)"
    )
    again.add_argument("--batch", type=int, default=500, help="bodies per transaction")
    again.add_argument("--max", type=int, help="stop after about this many (run again to go on)")
    again.add_argument("--verbose", action="store_true", help="print each batch's position")
    again.set_defaults(func=cmd_reencrypt)
    retire = actions.add_parser("retire", help="remove an events key no stored event is under")
    retire.add_argument("key_id")
    retire.set_defaults(func=cmd_retire)
