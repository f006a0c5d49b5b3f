"""A store's rules for lost leads: whether a manager must make a spot-check call first."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import ShowroomAggregate

_NAMESPACE = UUID("0b8f3c55-6f7e-4f0e-9a43-2f4d5c6b1a10")


class LossPolicy(ShowroomAggregate):
    """One per store (its id derived from the store's), created when first set."""

    class Created(ShowroomAggregate.Created):
        store_id: UUID

    class SpotCheckSet(ShowroomAggregate.Event):
        store_id: UUID
        required: bool

    @staticmethod
    def id_for(store_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, f"loss-policy:{store_id}")

    @classmethod
    def create_id(cls, store_id: UUID, **_: object) -> UUID:
        return cls.id_for(store_id)

    @classmethod
    def start(cls, store_id: UUID) -> LossPolicy:
        return cls(store_id=store_id)

    @event(Created)
    def __init__(self, store_id: UUID) -> None:
        self.store_id = store_id
        self.spot_check_required = False

    def require_spot_check(self, required: bool) -> None:
        if required != self.spot_check_required:
            self._set(store_id=self.store_id, required=required)

    @event(SpotCheckSet)
    def _set(self, store_id: UUID, required: bool) -> None:
        self.spot_check_required = required
