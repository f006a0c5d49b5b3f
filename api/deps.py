"""Dependencies: the process runtime and its services, the authenticated principal,
read-your-writes waits."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from api import second_factor, sessions
from api.auth import TokenClaims, claims_of_token
from api.errors import AuthenticationError
from domain.crm.service import Crm
from domain.inventory.service import Inventory
from domain.leads.service import Leads
from domain.organisation.service import Organisation
from domain.pay.service.payroll import Payroll
from domain.pay.service.plans import PayPlans
from domain.performance.service import Performance
from domain.reporting.service import Reporting
from domain.sales.service import Sales
from domain.satisfaction.service import Satisfaction
from domain.shared.access import ensure_role
from domain.shared.actor import Principal, Role
from domain.shared.errors import InvalidValueError
from projections.runner import ViewsNotCaughtUpError, views_reached
from workers.runtime import Runtime

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


async def get_runtime(request: Request) -> Runtime:
    # Dependencies that do no I/O are coroutines: FastAPI runs a plain function in its thread
    # pool, and each hop there cost a command more CPU than the function itself (py-spy).
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _service(name: str) -> Any:
    """A dependency answering the runtime's service `name` (built once, in workers/runtime.py)."""

    async def service(runtime: RuntimeDep) -> Any:
        return getattr(runtime, name)

    service.__name__ = f"get_{name}"
    return Depends(service)


OrganisationDep = Annotated[Organisation, _service("organisation")]
CrmDep = Annotated[Crm, _service("crm")]
LeadsDep = Annotated[Leads, _service("leads")]
InventoryDep = Annotated[Inventory, _service("inventory")]
SalesDep = Annotated[Sales, _service("sales")]
SatisfactionDep = Annotated[Satisfaction, _service("satisfaction")]
ReportingDep = Annotated[Reporting, _service("reporting")]
PayPlansDep = Annotated[PayPlans, _service("pay_plans")]
PayrollDep = Annotated[Payroll, _service("payroll")]
PerformanceDep = Annotated[Performance, _service("performance")]


def get_claims(runtime: RuntimeDep, token: Annotated[str | None, Depends(oauth2)]) -> TokenClaims:
    if not token:
        raise AuthenticationError("a bearer token is required")
    claims = claims_of_token(token, runtime.settings)
    if claims is None:
        raise AuthenticationError("the token is invalid or has expired")
    return claims


ClaimsDep = Annotated[TokenClaims, Depends(get_claims)]


def get_principal(runtime: RuntimeDep, claims: ClaimsDep, request: Request) -> Principal:
    principal = runtime.organisation.principal_of_token(
        claims.user_id, claims.generation, claims.token_id
    )
    if principal is None or sessions.revoked(runtime, claims):
        raise AuthenticationError("the token was revoked, or its user deactivated or removed")
    if runtime.settings.second_factor_roles:
        second_factor.refuse_until_enrolled(runtime, principal, request.url.path)
    # Whom api/personal.py reveals personal data to; whose admin actions api/access.py records.
    request.state.principal = principal
    return principal


ActorDep = Annotated[Principal, Depends(get_principal)]


STALE_VIEWS = "Showroom-Stale-Views"


async def read_position(
    runtime: RuntimeDep,
    response: Response,
    position: Annotated[
        int | None,
        Query(ge=0, description="Log position of your last write: wait until views include it"),
    ] = None,
) -> int | None:
    """Read-your-writes: wait (bounded) until the views reach the client's last write.

    The wait sleeps on the event loop and only borrows a worker thread for each short look at
    the positions, so many waiting reads cannot starve other requests of threads. A position
    beyond the log's head can never be reached and is refused at once. A view stopped at an
    event it failed on is not waited for; the answer names it in `Showroom-Stale-Views`.
    """
    if not position:
        return position
    names = [p.name for p in runtime.runner.projections]
    reached, stale = await run_in_threadpool(views_reached, runtime.db, names)
    if reached < position:
        head = await run_in_threadpool(runtime.app.position)
        if position > head:
            raise InvalidValueError(
                f"position {position} is beyond the log's head ({head}): pass the position"
                " a write answered"
            )
        deadline = time.monotonic() + runtime.settings.read_wait_seconds
        delay = 0.005
        while reached < position:
            if time.monotonic() >= deadline:
                raise ViewsNotCaughtUpError(position, reached)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
            reached, stale = await run_in_threadpool(views_reached, runtime.db, names)
    if stale:
        response.headers[STALE_VIEWS] = ",".join(stale)
    return position


ConsistentDep = Annotated[int | None, Depends(read_position)]


def require(*roles: Role) -> object:
    """A dependency allowing only these roles."""

    async def check(actor: ActorDep) -> Principal:
        ensure_role(actor, *roles)
        return actor

    return Depends(check)


@dataclass(frozen=True)
class Page:
    """limit/offset query parameters shared by every list."""

    limit: int = 50
    offset: int = 0


async def page_params(
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page_params)]
