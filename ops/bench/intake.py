"""Accepted partner-intake requests per second (signed) next to the plain capture route.

    python -m ops.bench.intake [--backend sqlite|postgres] [--requests 300]

One store over a fresh, migrated backend (`bench_store`), the API in this process through the
test client (no network, one request at a time): a store manager's `POST /leads` and a
partner's signed `POST /intake/{partner}/leads`, each with a new customer (phone), in the same
run and in turns of 50 so that both see the same store size. What the intake route adds is the
signature check (HMAC-SHA256, the partner's secrets unwrapped from the vault), the webhook-id
claim, the partner loaded for its scope, and the delivery log's row.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from api.main import create_app
from domain.shared.actor import SYSTEM
from ops.bench.harness import bench_store

PASSWORD = "bench-password-1"
TURN = 50


def _phone(n: int) -> str:
    return f"139{n:08d}"


def run(backend: str, requests: int) -> dict[str, float]:
    with bench_store(backend) as store:
        app = create_app(store.settings, run_workers=False)
        with TestClient(app) as client:
            runtime = app.state.runtime
            org = runtime.organisation
            store_id = org.open_store(SYSTEM, "Bench BYD", "Shanghai", ["BYD"]).id
            staff = org.hire_staff(SYSTEM, store_id, "Bench Manager", "store_manager").id
            org.register_user(
                SYSTEM, "manager", PASSWORD, "store_manager", store_id=store_id, staff_id=staff
            )
            org.register_user(SYSTEM, "admin", PASSWORD, "admin")

            def token(user: str) -> dict[str, str]:
                answer = client.post("/auth/token", data={"username": user, "password": PASSWORD})
                return {"Authorization": f"Bearer {answer.json()['access_token']}"}

            manager, admin = token("manager"), token("admin")
            issued = client.post(
                "/partners",
                json={
                    "name": "Autohome",
                    "kind": "marketplace",
                    "store_ids": [str(store_id)],
                    "sources": ["marketplace"],
                },
                headers=admin,
            ).json()
            partner, secret = issued["id"], Webhook(issued["secret"])
            timings = {"capture": 0.0, "intake": 0.0}
            done = {"capture": 0, "intake": 0}
            n = 0
            while done["capture"] < requests:
                for _ in range(TURN):
                    n += 1
                    body = {
                        "store_id": str(store_id),
                        "channel": "marketplace",
                        "customer_name": "Bench",
                        "customer_phone": _phone(n),
                    }
                    started = time.perf_counter()
                    answer = client.post("/leads", json=body, headers=manager)
                    timings["capture"] += time.perf_counter() - started
                    assert answer.status_code == 201, answer.text
                    done["capture"] += 1
                for _ in range(TURN):
                    n += 1
                    data = json.dumps(
                        {
                            "partner_lead_id": f"AH-{n}",
                            "store_id": str(store_id),
                            "source_kind": "marketplace",
                            "source_name": "autohome",
                            "customer_name": "Bench",
                            "customer_phone": _phone(n),
                        }
                    ).encode()
                    started = time.perf_counter()
                    # Signing is the partner's work, but timed too: a partner pays it per post.
                    msg_id, at = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
                    headers = {
                        "webhook-id": msg_id,
                        "webhook-timestamp": str(int(at.timestamp())),
                        "webhook-signature": secret.sign(msg_id, at, data),
                        "content-type": "application/json",
                    }
                    answer = client.post(f"/intake/{partner}/leads", content=data, headers=headers)
                    timings["intake"] += time.perf_counter() - started
                    assert answer.status_code == 201, answer.text
                    done["intake"] += 1
        return {
            "capture_per_second": done["capture"] / timings["capture"],
            "intake_per_second": done["intake"] / timings["intake"],
            "requests_each": float(done["capture"]),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    figures = run(args.backend, max(TURN, args.requests))
    print(json.dumps({"backend": args.backend, **figures}, indent=1))


if __name__ == "__main__":
    main()
