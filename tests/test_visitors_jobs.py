"""Visitor jobs: expiry, anonymisation after VISITOR_RETENTION_DAYS, and the demo seed."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from demo import DEMO_STAFF
from demo import visitors as visitors_demo
from jobs import visitors as visitor_jobs
from jobs.scheduler import discover, run_once
from miniapp_stub.fake_wechat import identity_for_code
from models.identity import Staff, User
from models.visitors import GateEntry, Pass
from server import resources
from services import identity, visitors
from tests.support import make_user
from tests.support.visitors import API, NOW, invite, scan, wire


async def _ending(client, host, *, hours: float, **fields):
    """A pass whose window ends `hours` from NOW (created while it was still open)."""
    end = NOW + timedelta(hours=hours)
    start = end - timedelta(hours=2)
    created = await invite(
        client, host, when=start, valid_from=wire(start), valid_to=wire(end), **fields
    )
    return created, start, end


async def test_expiry_job_marks_passes_past_their_window(client):
    host = await make_user()
    guard = await make_user("guard")
    ended, start, _ = await _ending(client, host, hours=-1, max_entries=3)
    assert (await scan(client, guard, ended["token"], when=start)).json()["valid"] is True
    open_pass = await invite(client, host)
    revoked = await invite(client, host)
    await client.post(f"{API}/visitors/passes/{revoked['id']}/revoke", headers=host.headers)

    assert await visitors.expire_passes(now=NOW) >= 1
    assert (await Pass.get(id=ended["id"])).status == "expired"
    assert (await Pass.get(id=open_pass["id"])).status == "active"
    assert (await Pass.get(id=revoked["id"])).status == "revoked"
    assert await visitors.expire_passes(now=NOW) == 0  # nothing left to do
    # The entry made before it expired is kept.
    assert await GateEntry.filter(visitor_pass_id=ended["id"]).count() == 1
    assert (await scan(client, guard, ended["token"])).json()["reason"] == "expired"
    listed = await client.get(f"{API}/visitors/passes?status=expired", headers=host.headers)
    assert [p["id"] for p in listed.json()["items"]] == [ended["id"]]


async def test_the_jobs_are_discovered_and_run_once_per_slot():
    names = {job.name for job in discover()}
    assert {"visitors.expire_passes", "visitors.anonymise_passes"} <= names
    job = visitor_jobs.JOBS[0]
    later = NOW + timedelta(days=400)  # a run slot no other test has used
    assert await run_once(job, now=later) is True
    assert await run_once(job, now=later) is False


async def test_anonymisation_erases_personal_data_after_retention_and_keeps_counts(client):
    retention = timedelta(days=resources.settings().visitor_retention_days)
    assert retention == timedelta(days=30)
    host = await make_user()
    guard = await make_user("guard")
    old, old_start, old_end = await _ending(
        client, host, hours=2, visitor_name="马丽", visitor_phone="15012345678", plate="苏A12345"
    )
    recent, recent_start, recent_end = await _ending(
        client, host, hours=3, visitor_name="徐明", visitor_phone="18612345678", max_entries=2
    )
    assert (await scan(client, guard, old["token"], when=old_start)).json()["valid"] is True
    assert (await scan(client, guard, recent["token"], when=recent_start)).json()["valid"]

    # Just before the retention ends the old pass keeps its data; at the end it goes.
    await visitors.anonymise_passes(now=old_end + retention - timedelta(seconds=1))
    assert (await Pass.get(id=old["id"])).visitor_name == "马丽"
    moment = old_end + retention
    assert moment < recent_end + retention
    assert await visitors.anonymise_passes(now=moment) >= 1
    row = await Pass.get(id=old["id"])
    assert (row.visitor_name, row.visitor_phone, row.plate) == ("（已匿名）", "", None)
    assert row.token_sealed is None and row.anonymised_at == moment
    assert row.status == "used_up" and row.entries_used == 1
    assert await GateEntry.filter(visitor_pass_id=row.id).count() == 1
    kept = await Pass.get(id=recent["id"])
    assert (kept.visitor_name, kept.visitor_phone) == ("徐明", "18612345678")
    assert kept.anonymised_at is None and kept.status == "expired"
    assert await visitors.anonymise_passes(now=moment) == 0  # idempotent

    # The host and the entry log see no personal data any more; the counts stay.
    shown = await client.get(f"{API}/visitors/passes/{old['id']}", headers=host.headers)
    assert shown.json()["visitor_name"] == "（已匿名）" and shown.json()["visitor_phone"] == ""
    day = old_start.astimezone(resources.settings().tz).date()
    log = (
        await client.get(f"{API}/gate/entries?date={day}&limit=100", headers=guard.headers)
    ).json()
    line = next(i for i in log["items"] if i["pass_id"] == old["id"])
    assert line["visitor_name"] == "（已匿名）" and line["visitor_phone_masked"] == ""
    assert line["plate"] is None and "15012345678" not in str(log)
    assert log["total"] >= 2
    # The token still finds the pass at the gate (its hash is kept) and is refused.
    assert (await scan(client, guard, old["token"], when=moment)).json()["reason"] == "used_up"


async def test_seed_demo_makes_passes_in_every_state_once(client):
    rows = [
        {"employee_no": no, "name": name, "department": dept, "roles": roles}
        for no, name, dept, roles in DEMO_STAFF
    ]
    await identity.import_staff(rows=rows, now=NOW)
    s0001 = await Staff.get(employee_no="S0001")
    bound_before = await User.filter(staff_id=s0001.id).exists()
    # On PostgreSQL a browser walk's server may have seeded the demo into this worker's
    # database already: start from a demo host without passes, as a fresh install has.
    earlier = Pass.filter(host__staff_id=s0001.id)
    await GateEntry.filter(visitor_pass_id__in=await earlier.values_list("id", flat=True)).delete()
    await earlier.delete()
    first = await visitors_demo.seed(now=NOW)
    assert first and "6" in first[0]
    host = await User.get(staff_id=s0001.id)
    guard = await User.get(staff_id=(await Staff.get(employee_no="G0001")).id)
    if not bound_before:  # the README's `login demo-staff S0001 李晓梅` lands here
        assert host.openid == identity_for_code("demo-S0001")["openid"]
    passes = await Pass.filter(host_id=host.id).order_by("id")
    assert len(passes) == 6
    states = {visitors.effective_status(p, now=NOW) for p in passes}
    assert states == {"active", "revoked", "expired", "used_up"}
    assert any(p.valid_from > NOW and p.status == "active" for p in passes)  # not yet valid
    assert all(len(p.visitor_phone) == 11 and p.purpose for p in passes)
    for p in passes:
        assert p.entries_used == await GateEntry.filter(visitor_pass_id=p.id).count()
    assert await GateEntry.filter(guard_id=guard.id).count() == sum(p.entries_used for p in passes)
    # Idempotent: a second run adds nothing.
    await visitors_demo.seed(now=NOW + timedelta(minutes=5))
    assert await Pass.filter(host_id=host.id).count() == 6
    # The host sees them over HTTP; the seeded active pass works for the demo guard.
    token = await identity.issue_token(user_id=host.id, now=NOW)
    mine = await client.get(f"{API}/visitors/passes", headers={"Authorization": f"Bearer {token}"})
    assert len(mine.json()["items"]) == 6
    usable = next(p for p in passes if visitors.refusal(p, now=NOW) is None)
    plain = visitors.unseal_token(usable.token_sealed, digest=usable.token_hash)
    assert plain is not None
    answer = await visitors.verify(token=plain, gate="东门", guard_id=guard.id, now=NOW)
    assert answer.valid is True and answer.admitted is not None
    assert answer.admitted.host_name == "李晓梅"


async def test_a_now_given_in_shanghai_time_is_the_same_instant_in_every_filter(client):
    """Services take any aware `now`; SQLite compares stored times as UTC text, so a
    +08:00 `now` must not read as eight hours later (an early expiry or a refused entry)."""
    host = await make_user()
    guard = await make_user("guard")
    created = await invite(client, host, max_entries=2)
    row = await Pass.get(id=created["id"])
    before_end = (row.valid_to - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert await visitors.expire_passes(now=before_end) == 0
    assert await visitors.anonymise_passes(now=before_end) == 0
    result = await visitors.verify(
        token=created["token"], gate="东门", guard_id=guard.user_id, now=before_end
    )
    assert result.valid is True
    revoked = await visitors.revoke_pass(host_id=host.user_id, pass_id=row.id, now=before_end)
    assert revoked.status == "revoked"
    fresh = await Pass.get(id=row.id)
    assert (fresh.status, fresh.entries_used) == ("revoked", 1)
    after_end = (row.valid_to + timedelta(minutes=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    other = await invite(client, host)
    assert await visitors.expire_passes(now=after_end) >= 1
    assert (await Pass.get(id=other["id"])).status == "expired"
