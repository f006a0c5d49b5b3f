"""Routing's refusals."""

from __future__ import annotations

from domain.shared.errors import ConflictError


class RoutingBusyError(ConflictError):
    title = "Routing could not take a turn: too many leads at once, try again"
