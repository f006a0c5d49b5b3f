"""Every dramatiq actor of Showroom, re-bound to the process broker by workers.broker."""

from __future__ import annotations

from typing import Any

from workers.actors.exports import export_kpi_month

ACTORS: list[Any] = [export_kpi_month]
