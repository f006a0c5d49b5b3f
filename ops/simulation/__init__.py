"""One simulation of a dealer group's sales floor, written through the context services.

- `catalog`: what the group sells and who comes to buy (brands, funnels, seasons, names);
- `presets`: the groups it plays (the demo of `make run`, a generated group of any size);
- `demo`: the demo's logins and its standard pay plan;
- `floor`: the group's calendar, staff and stock, day by day, as service commands;
- `selling`: leads through deliveries (`Simulation`, the whole floor);
- `records`: what the simulation keeps of the group beside the event store;
- `batched`: the application that saves those commands' events in batches;
- `load`: `load_demo` and `generate`, which put it together.
"""

from ops.simulation.demo import GROUP_LOGINS, demo_logins, settle_demo_office
from ops.simulation.load import (
    EVENTS_PER_STORE_MONTH,
    GroupSummary,
    generate,
    load_demo,
    stores_for,
)

__all__ = [
    "EVENTS_PER_STORE_MONTH",
    "GROUP_LOGINS",
    "GroupSummary",
    "demo_logins",
    "generate",
    "load_demo",
    "settle_demo_office",
    "stores_for",
]
