"""Every read model of the deployment, by name (the names key tracking rows: never rename)."""

from __future__ import annotations

from collections.abc import Callable

from projections.appraisals.projection import AppraisalsProjection
from projections.deal_approvals.projection import DealApprovalsProjection
from projections.directory.projection import DirectoryProjection
from projections.duty.projection import DutyProjection
from projections.follow_ups.projection import FollowUpsProjection
from projections.intake.projection import IntakeProjection
from projections.inventory.projection import InventoryProjection
from projections.lead_funnel.projection import LeadFunnelProjection
from projections.lead_losses.projection import LeadLossesProjection
from projections.leaderboard.projection import LeaderboardProjection
from projections.loan_applications.projection import LoanApplicationsProjection
from projections.notifications.projection import NotificationsProjection
from projections.pay_facts.projection import PayFactsProjection
from projections.pay_plans.projection import PayPlansProjection
from projections.payouts.projection import PayoutsProjection
from projections.performance.projection import PerformanceProjection
from projections.projection import Projection
from projections.response_sla.projection import ResponseSlaProjection
from projections.salesperson_kpi.projection import SalespersonKpiProjection
from projections.satisfaction.projection import SatisfactionProjection
from projections.stock_reports.projection import StockReportsProjection
from projections.used_stock.projection import UsedStockProjection

_FACTORIES: tuple[Callable[[], Projection], ...] = (
    DirectoryProjection,
    SalespersonKpiProjection,
    LeaderboardProjection,
    LeadFunnelProjection,
    InventoryProjection,
    PayFactsProjection,
    SatisfactionProjection,
    PerformanceProjection,
    PayPlansProjection,
    PayoutsProjection,
    IntakeProjection,
    NotificationsProjection,
    DutyProjection,
    LeadLossesProjection,
    FollowUpsProjection,
    UsedStockProjection,
    DealApprovalsProjection,
    LoanApplicationsProjection,
    StockReportsProjection,
    ResponseSlaProjection,
    AppraisalsProjection,
)


def all_projections() -> list[Projection]:
    """Fresh instances of every projection, always in the same order."""
    return [factory() for factory in _FACTORIES]


def projection_by_name(name: str) -> Projection:
    """A fresh instance of the named projection; KeyError when there is none of that name."""
    for projection in all_projections():
        if projection.name == name:
            return projection
    raise KeyError(f"unknown projection {name!r}")
