"""Every dramatiq actor of Showroom, re-bound to the process broker by workers.broker."""

from __future__ import annotations

from typing import Any

from workers.actors.checkpoints import write_checkpoint
from workers.actors.exports import export_kpi_month
from workers.actors.follow_ups import cancel_follow_up_calls, plan_follow_up_calls
from workers.actors.maintenance import backup_data, expire_stored_files
from workers.actors.notifications import deliver_notification, deliver_notifications
from workers.actors.payouts import export_payouts
from workers.actors.response_sla import (
    answer_response_clock,
    fire_response_timer,
    start_response_clock,
)
from workers.actors.routing import route_lead
from workers.actors.trade_ins import receive_trade_in

ACTORS: list[Any] = [export_kpi_month, export_payouts]
ACTORS += [backup_data, expire_stored_files]  # timer jobs (workers/timers.py)
ACTORS.append(write_checkpoint)  # the log chain's checkpoints (workers/checkpoints.py)
ACTORS += [deliver_notifications, deliver_notification]  # workers/notify (notifications)
ACTORS += [plan_follow_up_calls, cancel_follow_up_calls]  # after-delivery calls (回访)
ACTORS.append(route_lead)  # lead routing (docs/routing.md)
ACTORS += [start_response_clock, fire_response_timer, answer_response_clock]  # response SLA
ACTORS.append(receive_trade_in)  # a delivered deal's trade-in into used stock (trade-ins)
