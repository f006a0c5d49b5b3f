"""Settings from the environment, for every process (API, projection runner, worker, CLI).

They live with their lowest user: the runtime (workers/runtime.py) builds every service from
them, and `api` and `ops` sit above it. The read side takes plain values (a page size, a wait),
never Settings. Only `ops` reads them from the environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlparse

from audit import cipher
from audit.keyring import (
    ENV_KEY_DIR,
    ENV_KEYRING,
    ENV_KEYRING_FILE,
    FILE_NAME,
    Keyring,
    default_key_dir,
    load_keyring,
)
from domain.pay.four_eyes import DEFAULT_CONFIRM_ABOVE
from projections.private import open_private, private_file


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    # Where the keyring (audit/keyring.py) and the embedded token secret live: never inside
    # data_dir. None: beside it (`var/` -> `var.keys/`).
    key_dir: Path | None = None
    # The keyring itself when it came from the environment; None: read (or, made directly
    # as tests and the benchmarks do, created) in the key folder on first use.
    keyring: Keyring | None = field(default=None, repr=False, compare=False)
    # The file the keyring was read from, which running processes follow to take a rotation
    # without a restart. None: the key folder's (or no file, when the keyring came from
    # SHOWROOM_KEYRING: a rotation then needs every process restarted with the new one).
    keyring_file: Path | None = None
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str = field(default="", repr=False)
    # The legacy SHOWROOM_CIPHER_KEY (eventsourcing's AESCipher): only to read bodies it
    # encrypted before the keyring's events key did.
    cipher_key: str | None = field(default=None, repr=False)
    postgres_schema: str = "public"
    token_minutes: int = 8 * 60
    read_wait_seconds: float = 5.0
    postgres_lock_timeout: int = 5
    postgres_pool_size: int = 5
    page_size: int = 1000
    poll_seconds: float = 0.02
    # Aggregates kept in memory per process after a save or load. A cached aggregate is still
    # brought up to date from the log on every load (one query for its newer events), so
    # several processes share one store safely; 0 turns the cache off.
    aggregate_cache: int = 4096
    # Largest request body the API reads (bytes): larger ones are refused with 413 unread.
    max_body_bytes: int = 1 << 20
    # Login throttle (`limits` notation, tiers separated by ";"): failed logins per account and
    # per client address. Each tier exceeded locks out until its window frees a slot, so the
    # lockout grows 15 min -> 1 h -> 1 day for a persistent guesser.
    login_account_limits: str = "5/15 minutes;10/hour;20/day"
    login_address_limits: str = "30/15 minutes;100/hour;300/day"
    # Backups (workers/backup.py, docs/backup.md): the folder scheduled backups go to (None:
    # beside the data folder, `var/` -> `var.backups/`), every how many hours the dispatcher's
    # timer takes one (0: no schedule; `from_env` defaults to daily) and how many it keeps.
    backup_dir: Path | None = None
    backup_interval_hours: float = 0
    backup_keep: int = 7
    # Stored files (export workbooks, uploads) are deleted this many days after they were
    # made, by a timer job (workers/retention.py); a download after that answers 410 Gone.
    file_retention_days: int = 30
    # Event bodies are always encrypted (audit/cipher.py). Off only for the benchmarks' runs
    # without the cipher, to measure what it costs: never from the environment.
    encrypt_events: bool = field(default=True, repr=False)
    # Minutes between the log chain's timed checkpoints (0: none; approvals still write one).
    checkpoint_minutes: int = 60
    # Event bodies stored in clear (before encryption was the default) are read only while
    # this is on: a migration setting, until `showroom keys reencrypt` (docs/keys.md).
    read_clear_events: bool = False
    # Bearer token Prometheus sends to GET /metrics; unset: /metrics answers 404.
    metrics_token: str | None = field(default=None, repr=False)
    # Roles whose users must enrol a TOTP second factor before doing anything else (empty:
    # optional for everyone). docs/second-factor.md.
    second_factor_roles: tuple[str, ...] = ()
    # TLS (docs/tls.md): uvicorn serves HTTPS itself with these PEM files, else plain HTTP.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Addresses (or networks) of reverse proxies whose X-Forwarded-For/-Proto are believed;
    # empty: none, the client address and scheme are the connection's own.
    trusted_proxies: tuple[str, ...] = ()
    # Strict-Transport-Security max-age, sent only on requests that came over TLS; 0: never.
    hsts_seconds: int = 365 * 24 * 3600
    # Origins whose scripts may call the API from a browser (CORS); empty: none (off).
    cors_origins: tuple[str, ...] = ()
    # Four eyes on pay: a manual adjustment larger than this (absolute, CNY) is proposed and
    # counts once a second person confirms it (docs/payroll.md, "Four eyes").
    adjustment_confirm_above: Decimal = DEFAULT_CONFIRM_ABOVE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("SHOWROOM_DATA_DIR", "var"))
        key_dir = Path(env[ENV_KEY_DIR]) if env.get(ENV_KEY_DIR) else default_key_dir(data_dir)
        secret_key = env.get("SHOWROOM_SECRET_KEY") or _local_secret(data_dir, key_dir)
        database_url = env.get("DATABASE_URL") or None
        # The embedded default makes its keyring as it makes its data; a server on PostgreSQL
        # refuses to start without one (KeyringError says how to make it).
        keyring = load_keyring(key_dir, env, create=database_url is None, phone_seed=secret_key)
        return cls(
            data_dir=data_dir,
            key_dir=key_dir,
            keyring=keyring,
            keyring_file=(
                None
                if env.get(ENV_KEYRING)
                else Path(env[ENV_KEYRING_FILE])
                if env.get(ENV_KEYRING_FILE)
                else key_dir / FILE_NAME
            ),
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            secret_key=secret_key,
            cipher_key=env.get("SHOWROOM_CIPHER_KEY") or None,
            postgres_schema=env.get("SHOWROOM_PG_SCHEMA", "public"),
            token_minutes=int(env.get("SHOWROOM_TOKEN_MINUTES", str(8 * 60))),
            read_wait_seconds=float(env.get("SHOWROOM_READ_WAIT_SECONDS", "5")),
            postgres_lock_timeout=int(env.get("SHOWROOM_PG_LOCK_TIMEOUT", "5")),
            page_size=int(env.get("SHOWROOM_PAGE_SIZE", "1000")),
            poll_seconds=float(env.get("SHOWROOM_POLL_SECONDS", "0.02")),
            aggregate_cache=int(env.get("SHOWROOM_AGGREGATE_CACHE", "4096")),
            max_body_bytes=int(env.get("SHOWROOM_MAX_BODY_BYTES", str(1 << 20))),
            login_account_limits=env.get("SHOWROOM_LOGIN_ACCOUNT_LIMITS")
            or cls.login_account_limits,
            login_address_limits=env.get("SHOWROOM_LOGIN_ADDRESS_LIMITS")
            or cls.login_address_limits,
            backup_dir=Path(env["SHOWROOM_BACKUP_DIR"]) if env.get("SHOWROOM_BACKUP_DIR") else None,
            backup_interval_hours=float(env.get("SHOWROOM_BACKUP_INTERVAL_HOURS", "24")),
            backup_keep=int(env.get("SHOWROOM_BACKUP_KEEP", "7")),
            file_retention_days=int(env.get("SHOWROOM_FILE_RETENTION_DAYS", "30")),
            checkpoint_minutes=int(env.get("SHOWROOM_CHECKPOINT_MINUTES", "60")),
            read_clear_events=env.get("SHOWROOM_READ_CLEAR_EVENTS", "") in ("1", "y", "yes"),
            metrics_token=env.get("SHOWROOM_METRICS_TOKEN") or None,
            second_factor_roles=_items(env.get("SHOWROOM_SECOND_FACTOR_ROLES")),
            tls_cert=Path(env["SHOWROOM_TLS_CERT"]) if env.get("SHOWROOM_TLS_CERT") else None,
            tls_key=Path(env["SHOWROOM_TLS_KEY"]) if env.get("SHOWROOM_TLS_KEY") else None,
            trusted_proxies=_items(env.get("SHOWROOM_TRUSTED_PROXIES")),
            hsts_seconds=int(env.get("SHOWROOM_HSTS_SECONDS", str(365 * 24 * 3600))),
            cors_origins=_items(env.get("SHOWROOM_CORS_ORIGINS")),
            adjustment_confirm_above=_amount(
                env.get("SHOWROOM_ADJUSTMENT_CONFIRM_ABOVE"), DEFAULT_CONFIRM_ABOVE
            ),
        )

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def keys_dir(self) -> Path:
        return self.key_dir if self.key_dir is not None else default_key_dir(self.data_dir)

    @property
    def backups_dir(self) -> Path:
        """Where backups go: the setting, or beside the data folder (`var/` -> `var.backups/`)."""
        if self.backup_dir is not None:
            return self.backup_dir
        return self.data_dir.parent / f"{self.data_dir.name}.backups"

    @cached_property
    def keys(self) -> Keyring:
        """The keyring: given, or the key folder's (made there on first use when absent)."""
        if self.keyring is not None:
            return self.keyring
        return load_keyring(self.keys_dir, create=True, phone_seed=self.secret_key)

    @property
    def phone_key(self) -> bytes:
        """Key of the phone de-duplication hash, from the keyring (apart from the data)."""
        return self.keys.current("phone").secret

    def event_store_env(self, *, create_table: bool = False) -> dict[str, str]:
        """The eventsourcing environment of the one application."""
        env = {"CREATE_TABLE": "y" if create_table else "n"}
        # Customers' personal fields sealed with their own keys (the runtime gives the key store).
        env |= {"MAPPER_TOPIC": "audit.personal:SealingMapper"}
        if self.aggregate_cache > 0:
            # Fast-forwarded (newer events read on each load) and deep-copied out, so that a
            # command that fails never leaves its half-changed aggregate in the cache.
            env |= {
                "AGGREGATE_CACHE_MAXSIZE": str(self.aggregate_cache),
                "AGGREGATE_CACHE_FASTFORWARD": "y",
                "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
            }
        if self.encrypt_events:
            # Every body under the keyring's current events key; bodies of the legacy
            # SHOWROOM_CIPHER_KEY (eventsourcing's AESCipher) stay readable while it is set.
            env |= cipher.environment(
                self.keys,
                keyring_file=self._keyring_file(),
                legacy_key=self.cipher_key,
                allow_clear=self.read_clear_events,
            )
        if self.database_url is None:
            # Made 0600 before eventsourcing opens it: SQLite would create it by the umask.
            events = private_file(self.data_dir / "events.sqlite3")
            return env | {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(events),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        url = urlparse(self.database_url)
        return env | {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_SCHEMA": self.postgres_schema,
            "POSTGRES_LOCK_TIMEOUT": str(self.postgres_lock_timeout),
            "POSTGRES_POOL_SIZE": str(self.postgres_pool_size),
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_CONN_MAX_AGE": "600",
        }

    def _keyring_file(self) -> str | None:
        """The keyring file running processes follow (None: the keyring came otherwise)."""
        if self.keyring_file is not None:
            return str(self.keyring_file)
        return str(self.keys_dir / FILE_NAME) if self.keyring is None else None


def _local_secret(data_dir: Path, key_dir: Path) -> str:
    """The embedded default keeps a random token secret in its key folder, so tokens survive
    restarts. One left in the data folder by an older release is moved out of it."""
    path = key_dir / "secret.key"
    legacy = data_dir / "secret.key"
    if not path.exists() and legacy.exists():
        private_file(path)
        path.write_text(legacy.read_text())
        legacy.unlink()
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_TRUNC), "w") as handle:
        handle.write(secret)
    return secret


def _items(value: str | None) -> tuple[str, ...]:
    """A comma-separated setting as its non-empty items."""
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _amount(raw: str | None, default: Decimal) -> Decimal:
    """A non-negative amount of money from the environment (unset or empty: the default)."""
    if not raw:
        return default
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"not an amount of money: {raw!r}")
    return value.quantize(Decimal("0.01"))
