"""The API as an import string, for `showroom serve --processes N` (uvicorn starts each process
from it). `showroom serve` hands its choices over in the environment, which the processes
inherit."""

from __future__ import annotations

import inspect
import os
from typing import Any

from fastapi import FastAPI

from api.main import create_app
from ops.logs import configure_logging
from workers.settings import Settings

ROLES = "SHOWROOM_SERVE_ROLES"  # comma-separated: "projections", "workers"

# A worker process must answer uvicorn's health check within this many seconds. Building the
# app (imports, opening the stores) takes several seconds on a busy 2-core machine, longer
# than uvicorn's 5 s default, which then kills and restarts every worker without end.
WORKER_HEALTHCHECK_SECONDS = 60


def worker_healthcheck() -> dict[str, Any]:
    """uvicorn's health-check timeout where this uvicorn has one (added in its newer releases)."""
    import uvicorn

    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        return {"timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS}
    return {}


def app() -> FastAPI:
    configure_logging()  # each uvicorn worker process is a new interpreter
    roles = set(filter(None, os.environ.get(ROLES, "").split(",")))
    return create_app(
        Settings.from_env(),
        run_projections="projections" in roles,
        run_workers="workers" in roles,
    )
