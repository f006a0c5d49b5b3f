"""The web pages: server time to first byte of each main page next to its JSON route, and the
first-load JS + CSS a browser downloads.

The API runs as `showroom serve --processes 2` over the generated log (views caught up), as for
the queries. Each page is fetched by `clients` concurrent clients signed in with the page's
session cookie, closed loop; its baseline is the JSON route that serves the same data, called
the same way with a bearer token, in the same run. Time to first byte is measured from sending
the request to receiving the answer's headers (the pages render whole before they answer, so it
is the server's time). Targets (reported, not asserted): p95 ≤ 100 ms and ≤ 1.5× the JSON route.

A page another area has not built yet is skipped with a note: add a `Pair` to PAIRS for each
main page; its path is matched against the routes of api/pages' AREAS.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from datetime import date

from ops.bench.harness import Backend, Row, closed_loop, ms, percentile, serve, verdict
from ops.bench.queries import API_PROCESSES, last_full_month, sample_deals
from ops.simulation.demo import GROUP_LOGINS, MANAGER_PASSWORD, SALES_PASSWORD
from workers.runtime import Runtime

SECTION = "6 pages"
TARGET_MS = 100.0
TARGET_RATIO = 1.5
FIRST_LOAD_BUDGET = 150_000  # bytes, gzip-compressed; ECharts excluded
SAMPLE_DEALS = 16
MOST_LOGINS = 500  # sales1 .. sales499: more than any generated group hires


@dataclass(frozen=True)
class Pair:
    """A main page and the JSON route that serves the same data, for the same user.

    Paths may hold `{month}` (the last full month of the log) and `{deal}` (a deal's id)."""

    name: str
    user: str
    page: str
    json: str


PAIRS: tuple[Pair, ...] = (
    Pair("start", "sales1", "/app/", "/auth/me"),  # the frame every page shares
    Pair("store board", "manager1", "/app/board?month={month}", "/reports/kpis?month={month}"),
    Pair(
        "leaderboard",
        "manager1",
        "/app/leaderboard?month={month}",
        "/reports/leaderboard?month={month}&limit=50",
    ),
    Pair("my day", "sales1", "/app/my-day", "/leads?limit=50"),
    Pair("pay periods", "finance", "/app/pay/periods", "/pay-periods?limit=50"),
    Pair("deal history", "auditor", "/app/history/{deal}", "/history/{deal}"),
)


def password_of(username: str) -> str:
    if username.startswith("manager"):
        return MANAGER_PASSWORD
    if username.startswith("sales"):
        return SALES_PASSWORD
    return next(p for u, p, _, _ in GROUP_LOGINS if u == username)


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.split("?", 1)[0])


def page_routes() -> set[str]:
    """The shapes of the pages' GET routes on this branch (`/app/history/{}`)."""
    from fastapi.routing import APIRoute

    from api.pages import AREAS

    return {
        _shape(route.path)
        for area in AREAS
        for route in area.router.routes
        if isinstance(route, APIRoute) and "GET" in (route.methods or ())
    }


def built(pair: Pair, routes: set[str]) -> bool:
    return _shape(pair.page) in routes


def first_load_row(backend: str) -> Row:
    """What a first visit downloads of JS and CSS, compressed, against the 150 KB budget."""
    from api.pages.assets import FIRST_LOAD, Assets

    size = Assets().first_load_gzipped_bytes()
    return Row(
        SECTION,
        "first-load JS + CSS, gzip (" + ", ".join(FIRST_LOAD) + "; ECharts excluded)",
        backend,
        f"{size / 1000:.1f} KB",
        target=f"≤ {FIRST_LOAD_BUDGET / 1000:.0f} KB",
        verdict=verdict(size <= FIRST_LOAD_BUDGET),
    )


@dataclass
class Measured:
    ttfb: list[float]
    errors: int
    statuses: dict[int, int]


def measure(
    url: str,
    paths: list[str],
    *,
    cookies: dict[str, str] | None = None,
    bearer: str | None = None,
    clients: int,
    calls: int,
    seconds: float,
) -> Measured:
    """Time to first byte of GETs of `paths` (round robin) by `clients` concurrent clients."""
    import httpx

    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    sessions = [
        httpx.Client(base_url=url, timeout=60.0, headers=headers, cookies=cookies or {})
        for _ in range(clients)
    ]
    ttfb: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def call(worker: int, n: int, record: bool = True) -> None:
        path = paths[(n * clients + worker) % len(paths)]
        began = time.perf_counter()
        with sessions[worker].stream("GET", path) as answer:
            first = time.perf_counter() - began
            answer.read()
        with lock:
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code}")
        if record:
            with lock:
                ttfb.append(first)

    try:
        closed_loop(
            clients,
            lambda w, n: call(w, n, record=False),
            max_calls=clients * 2,
            max_seconds=10,
        )
        statuses.clear()
        timings = closed_loop(clients, call, max_calls=calls, max_seconds=seconds)
    finally:
        for session in sessions:
            session.close()
    return Measured(ttfb=ttfb, errors=timings.errors, statuses=statuses)


def active_login(runtime: Runtime, wanted: str) -> str:
    """`wanted`, or the first active login of the same kind (`sales7` when sales1 has left:
    a long generated history has departures)."""
    from domain.organisation.model import User

    kind = wanted.rstrip("0123456789")
    candidates = (
        [wanted] + [f"{kind}{n}" for n in range(1, MOST_LOGINS)] if kind != wanted else [wanted]
    )
    for username in candidates:
        if runtime.organisation.principal(User.id_for(username)) is not None:
            return username
    raise LookupError(f"no active login like {wanted}")


def log_in_page(url: str, username: str) -> dict[str, str]:
    """The session cookie of a login through the page's form."""
    import httpx

    from api.pages.session import COOKIE

    with httpx.Client(base_url=url, timeout=60.0) as client:
        answer = client.post(
            "/app/login", data={"username": username, "password": password_of(username)}
        )
        if answer.status_code != 303 or COOKIE not in answer.cookies:
            raise RuntimeError(f"page login of {username}: {answer.status_code}")
        return {COOKIE: answer.cookies[COOKIE]}


def log_in_api(url: str, username: str) -> str:
    import httpx

    answer = httpx.post(
        f"{url}/auth/token",
        data={"username": username, "password": password_of(username)},
        timeout=60.0,
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def run(
    backend: Backend,
    *,
    last_day: date,
    clients: int,
    calls: int,
    seconds: float,
    label: str,
    pairs: tuple[Pair, ...] = PAIRS,
) -> list[Row]:
    """Rows for one backend over the log already in the store (views caught up)."""
    month = last_full_month(last_day)
    routes = page_routes()
    measured: dict[Pair, Row] = {}
    ready = [pair for pair in pairs if built(pair, routes)]
    if ready:
        measured = _measure_pairs(backend, ready, month, clients, calls, seconds, label)
    rows = [measured.get(pair) or _skipped(pair, backend.name) for pair in pairs]
    return [*rows, first_load_row(backend.name)]


def _skipped(pair: Pair, backend: str) -> Row:
    return Row(
        SECTION,
        f"{pair.name} page TTFB",
        backend,
        "skipped: page not built yet",
        note=f"{_shape(pair.page)} is not among the pages' routes",
    )


def _measure_pairs(
    backend: Backend,
    ready: list[Pair],
    month: str,
    clients: int,
    calls: int,
    seconds: float,
    label: str,
) -> dict[Pair, Row]:
    rows: dict[Pair, Row] = {}
    runtime = Runtime.build(backend.settings)
    try:
        deals = sample_deals(runtime, SAMPLE_DEALS)
        logins = {pair.user: active_login(runtime, pair.user) for pair in ready}
    finally:
        runtime.close()

    def paths(template: str) -> list[str]:
        return [template.format(month=month, deal=deal) for deal in deals]

    with serve(backend, "--processes", str(API_PROCESSES)) as server:
        users = set(logins.values())
        cookies = {user: log_in_page(server.url, user) for user in users}
        tokens = {user: log_in_api(server.url, user) for user in users}
        for wanted in ready:
            pair = replace(wanted, user=logins[wanted.user])
            page = measure(
                server.url,
                paths(pair.page),
                cookies=cookies[pair.user],
                clients=clients,
                calls=calls,
                seconds=seconds,
            )
            api = measure(
                server.url,
                paths(pair.json),
                bearer=tokens[pair.user],
                clients=clients,
                calls=calls,
                seconds=seconds,
            )
            p95, json95 = percentile(page.ttfb, 95), percentile(api.ttfb, 95)
            met = (
                p95 * 1000 <= TARGET_MS
                and p95 <= TARGET_RATIO * json95
                and page.errors == 0
                and bool(page.ttfb)
            )
            rows[wanted] = Row(
                SECTION,
                f"{pair.name} page TTFB p50 / p95, {clients} clients, {label}",
                backend.name,
                f"{ms(percentile(page.ttfb, 50))} / {ms(p95)}",
                f"{ms(percentile(api.ttfb, 50))} / {ms(json95)}",
                f"JSON {pair.json.split('?', 1)[0]}",
                f"{p95 / json95:.2f}×" if json95 > 0 else "—",
                f"p95 ≤ {TARGET_MS:.0f} ms and ≤ {TARGET_RATIO}× JSON",
                verdict(met),
                note=(
                    f"{pair.user}: {len(page.ttfb)} page calls, {page.errors} errors"
                    f" {page.statuses}; {len(api.ttfb)} JSON calls, {api.errors} errors"
                ),
            )
    return rows
