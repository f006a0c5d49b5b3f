"""The long-lived resources of one process, shared by the API, the workers and the CLI.

One `Showroom` application (the event store), the views database, the context services over
them, and the projection runner. Built once per process from `Settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.app import Showroom
from domain.crm.service import Crm
from domain.inventory.service import Inventory
from domain.leads.service import Leads
from domain.organisation.service import Organisation
from domain.sales.service import Sales
from projections.db import Database, open_database
from projections.directory.phone_index import ViewPhoneIndex
from projections.registry import all_projections
from projections.runner import ProjectionRunner, migrate
from workers.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    app: Showroom
    db: Database
    organisation: Organisation
    crm: Crm
    leads: Leads
    inventory: Inventory
    sales: Sales
    runner: ProjectionRunner

    @classmethod
    def build(cls, settings: Settings, *, create_tables: bool = False) -> Runtime:
        app = Showroom(env=settings.event_store_env(create_table=create_tables))
        db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
        if create_tables:
            # Views tracked beyond the log (older events restored) are reset and replayed.
            migrate(db, all_projections(), head=app.position())
        runner = ProjectionRunner(
            app,
            db,
            all_projections(),
            lock_dir=settings.data_dir,
            page_size=settings.page_size,
            poll_seconds=settings.poll_seconds,
            notify_url=settings.database_url,
        )
        crm = Crm(
            app,
            ViewPhoneIndex(app, db, wait_seconds=settings.read_wait_seconds),
            settings.phone_key,
        )
        return cls(
            settings=settings,
            app=app,
            db=db,
            organisation=Organisation(app),
            crm=crm,
            leads=Leads(app, crm),
            inventory=Inventory(app),
            sales=Sales(app),
            runner=runner,
        )

    def close(self) -> None:
        self.runner.stop()
        self.db.close()
        self.app.close()
