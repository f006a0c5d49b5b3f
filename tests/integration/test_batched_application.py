"""The batched application: the services' own commands, their events saved a batch at a time,
with every uniqueness rule still holding and nothing lost or half-applied."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.crm.errors import CustomerAlreadyExistsError
from domain.crm.service import Crm
from domain.inventory.errors import VehicleAlreadyReceivedError
from domain.inventory.model import Vehicle
from domain.inventory.service import Inventory
from domain.leads.model import Lead
from domain.leads.service import Leads
from domain.organisation.errors import UserAlreadyExistsError
from domain.organisation.service import Organisation
from domain.shared.actor import SYSTEM, Role
from domain.shared.errors import ConflictError
from ops.simulation.batched import BatchedShowroom
from workers.runtime import Runtime, migrate, seal_with
from workers.settings import Settings

VIN = "LGXCE4CB4N0000001"
PHONE = "13800138000"
AT = datetime(2024, 5, 6, 10, tzinfo=UTC)


class NoPhones:
    """The directory knows no phone: only the claims in the log can match."""

    def find(self, phone_hash: str) -> UUID | None:
        return None


@dataclass
class Batched:
    runtime: Runtime
    app: BatchedShowroom
    store_id: UUID
    seller_id: UUID

    def inventory(self) -> Inventory:
        return Inventory(self.app)

    def crm(self) -> Crm:
        return Crm(self.app, NoPhones(), self.runtime.settings.phone_key)

    def receive(self, vin: str = VIN) -> UUID:
        return (
            self.inventory()
            .receive_vehicle(
                SYSTEM, self.store_id, vin, "BYD", "海豚", "活力版", "白", 2024, "new", 90000, 99800
            )
            .id
        )


@pytest.fixture
def batched(settings: Settings) -> Iterator[Batched]:
    migrate(settings)
    runtime = Runtime.build(settings)
    app = BatchedShowroom(settings.event_store_env(), batch_size=50)
    seal_with(app, runtime.customer_keys)
    org = Organisation(app)
    store_id = org.open_store(SYSTEM, "Pudong BYD", "Shanghai", ["BYD"]).id
    seller_id = org.hire_staff(SYSTEM, store_id, "Li Lei", Role.SALESPERSON).id
    try:
        yield Batched(runtime, app, store_id, seller_id)
    finally:
        app.close()
        runtime.close()


def test_events_wait_for_their_batch_and_then_land_in_command_order(batched: Batched) -> None:
    head = batched.runtime.app.position()
    vehicle_id = batched.receive()
    Inventory(batched.app).reprice_vehicle(SYSTEM, vehicle_id, 97800)
    assert batched.runtime.app.position() == head

    batched.app.flush()

    stored = batched.runtime.app.recorder.select_notifications(1, 100)
    assert [n.topic.rsplit(".", 1)[-1] for n in stored[-2:]] == ["Received", "Repriced"]
    assert batched.runtime.app.load(Vehicle, vehicle_id, "vehicle").list_price == 97800


def test_a_command_answers_the_position_its_events_will_have(batched: Batched) -> None:
    written = Inventory(batched.app).reprice_vehicle(SYSTEM, batched.receive(), 97800)

    batched.app.flush()

    assert written.position == batched.runtime.app.position()


def test_a_second_vehicle_with_a_vin_received_in_the_same_load_is_refused(
    batched: Batched,
) -> None:
    batched.receive()

    with pytest.raises(VehicleAlreadyReceivedError):
        batched.receive()


def test_a_new_aggregate_under_an_id_written_in_the_load_is_refused_at_its_save(
    batched: Batched,
) -> None:
    batched.receive()
    twin = Vehicle.receive(
        store_id=batched.store_id,
        vin=VIN,
        make="BYD",
        model="海豚",
        trim="活力版",
        colour="白",
        model_year=2024,
        condition="new",
        cost=90000,
        list_price=99800,
        received_on=AT.date(),
        occurred_at=AT,
    )

    with pytest.raises(ConflictError):
        batched.app.commit(twin)


def test_a_vin_the_store_held_before_the_load_is_refused(settings: Settings) -> None:
    migrate(settings)
    runtime = Runtime.build(settings)
    try:
        store_id = runtime.organisation.open_store(SYSTEM, "Pudong BYD", "Shanghai", ["BYD"]).id
        runtime.inventory.receive_vehicle(
            SYSTEM, store_id, VIN, "BYD", "海豚", "活力版", "白", 2024, "new", 90000, 99800
        )
        app = BatchedShowroom(settings.event_store_env())
        seal_with(app, runtime.customer_keys)
        try:
            with pytest.raises(VehicleAlreadyReceivedError):
                Inventory(app).receive_vehicle(
                    SYSTEM, store_id, VIN, "BYD", "海豚", "活力版", "白", 2024, "new", 90000, 99800
                )
        finally:
            app.close()
    finally:
        runtime.close()


def test_a_username_taken_in_the_same_load_is_refused(batched: Batched) -> None:
    org = Organisation(batched.app)
    org.register_user(SYSTEM, "finance", "finance-password", Role.FINANCE)

    with pytest.raises(UserAlreadyExistsError):
        org.register_user(SYSTEM, "finance", "other-password", Role.FINANCE)


def test_a_phone_claimed_in_the_same_load_finds_its_customer(batched: Batched) -> None:
    crm = batched.crm()
    first = crm.register_customer(SYSTEM, batched.store_id, "韩梅梅", PHONE).id

    with pytest.raises(CustomerAlreadyExistsError) as refused:
        crm.register_customer(SYSTEM, batched.store_id, "韩梅梅", PHONE)

    assert refused.value.existing_id == first


def test_a_capture_for_a_phone_claimed_in_the_load_links_the_known_customer(
    batched: Batched,
) -> None:
    leads = Leads(batched.app, batched.crm())
    first = leads.capture_lead(
        SYSTEM, batched.store_id, "website", customer_name="韩梅梅", customer_phone=PHONE
    ).id
    second = leads.capture_lead(
        SYSTEM, batched.store_id, "phone", customer_name="韩梅梅", customer_phone=PHONE
    ).id

    batched.app.flush()

    load = batched.runtime.app.load
    assert load(Lead, first, "lead").customer_id == load(Lead, second, "lead").customer_id


def test_a_change_left_unsaved_by_a_failed_command_is_not_served_again(
    batched: Batched,
) -> None:
    vehicle_id = batched.receive()
    held: Vehicle = batched.app.repository.get(vehicle_id)
    held.reprice(50000, occurred_at=AT)  # as a command would, before failing on a later check

    served: Vehicle = batched.app.repository.get(vehicle_id)

    assert served.list_price == 99800
    assert served.version == 1
