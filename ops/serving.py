"""The API as an import string, for `showroom serve --processes N` (uvicorn starts each process
from it). `showroom serve` hands its choices over in the environment, which the processes
inherit."""

from __future__ import annotations

import os

from fastapi import FastAPI

from api.main import create_app
from workers.settings import Settings

ROLES = "SHOWROOM_SERVE_ROLES"  # comma-separated: "projections", "workers"


def app() -> FastAPI:
    roles = set(filter(None, os.environ.get(ROLES, "").split(",")))
    return create_app(
        Settings.from_env(),
        run_projections="projections" in roles,
        run_workers="workers" in roles,
    )
