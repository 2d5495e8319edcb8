"""One registry of domains (server/registry.py): what it names is all that is wired.

A process that imported only the booking engine and the registry promotes a waitlisted
order with its domain's record step; every jobs module, notice kind and model domain
is named there once.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

import jobs as jobs_package
import models as models_package
from models.meals import Order
from models.notifications import Notice
from server import registry
from server.notice_kinds import KINDS
from tests.support import make_user
from tests.support.meals import make_menu, order_body, place, slot_specs

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("app")

ONLY_THE_REGISTRY = """
import asyncio, sys
from datetime import datetime
import booking
import server.registry
from server import resources
from server.config import load_settings

async def main():
    await resources.open_resources(load_settings())
    await booking.cancel(reservation_id=int(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]))
    await resources.close_resources()

asyncio.run(main())
"""


async def test_a_process_with_only_booking_and_the_registry_promotes_a_waitlisted_order(
    client,
):
    menu = await make_menu(client, slots=slot_specs(1, 1))
    first, waiting = await make_user(), await make_user()
    assert (await place(client, first, order_body(menu))).status_code == 201
    queued = await place(client, waiting, order_body(menu, waitlist=True))
    assert queued.status_code == 202, queued.text
    held = await Order.get(user_id=first.user_id)

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        ONLY_THE_REGISTRY,
        str(held.reservation_id),
        datetime.fromisoformat("2026-12-01T09:00:00+08:00").isoformat(),
        cwd=ROOT,
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]

    promoted = await Order.get(id=queued.json()["id"])
    assert promoted.status == "confirmed"  # its domain's step ran in the promotion
    assert await Notice.exists(user_id=waiting.user_id, kind="meal_promoted")


def _modules(package) -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__))


def test_every_jobs_module_is_scheduled_through_the_registry():
    scheduled = {id(job) for job in registry.all_jobs()}
    for name in _modules(jobs_package):
        listed = getattr(importlib.import_module(f"jobs.{name}"), "JOBS", [])
        missing = [job.name for job in listed if id(job) not in scheduled]
        assert not missing, f"jobs/{name}.py: {missing} not in server/registry.py"
    names = [job.name for job in registry.all_jobs()]
    assert len(names) == len(set(names))


def test_every_notice_kind_has_exactly_one_owning_domain():
    owned = [kind for domain in registry.DOMAINS for kind in domain.notice_kinds]
    assert len(owned) == len(set(owned))
    assert set(owned) == set(KINDS)


def test_every_model_domain_is_a_registered_domain():
    names = [domain.name for domain in registry.DOMAINS]
    assert len(names) == len(set(names))
    assert set(_modules(models_package)) <= set(names)
