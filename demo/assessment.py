"""Demo assessment data (python -m server seed-demo): six teams, a checklist per service,
last month and this month of attendance, inspections and survey answers, so the score
board shows something on `make run`.

Inspections and rectifications go through the real service functions (their timelines
are genuine). Last month's survey scores are written as anonymous answer rows, standing
for the people who answered it; this month's survey is open for the demo staff.
Idempotent: nothing is added when the teams exist.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from demo import demo_account
from models.assessment import Attendance, Survey, SurveyAnswer, SurveyQuestion, Team
from server import resources
from server.clock import next_month
from services.assessment import inspections, setup, surveys
from services.assessment.shapes import InspectionView
from services.identity import Principal

# name, service, vendor, contracted headcount, contact employee_no
TEAMS = [
    ("行政中心安保队", "security", "江城保安服务有限公司", 24, "Q0001"),
    ("会务服务组", "conference", "嘉会会务服务有限公司", 8, "Q0002"),
    ("机关食堂餐饮组", "catering", "和味餐饮管理有限公司", 18, "Q0003"),
    ("保洁服务队", "cleaning", "洁美物业服务有限公司", 30, "Q0004"),
    ("绿化养护组", "greening", "青禾园林绿化有限公司", 6, "Q0005"),
    ("设施设备运维组", "facilities", "恒信机电设备工程有限公司", 12, "Q0006"),
]

STANDARDS: dict[str, list[tuple[str, int]]] = {
    "security": [
        ("门岗人员着装整齐、佩戴工牌", 2),
        ("来访人员100%登记核验", 5),
        ("监控室24小时有人值守", 5),
        ("消防通道畅通无堵塞", 5),
        ("夜间巡逻按时打卡", 3),
    ],
    "conference": [
        ("会前30分钟完成会场布置", 3),
        ("音响投影设备会前调试完毕", 5),
        ("茶水、桌签、席卡摆放规范", 2),
        ("会后1小时内恢复会场", 2),
    ],
    "catering": [
        ("食品留样48小时并有记录", 5),
        ("后厨生熟分开、标识清楚", 5),
        ("餐具每餐消毒并有记录", 5),
        ("从业人员持有效健康证", 5),
        ("就餐区桌面地面干净无油渍", 2),
    ],
    "cleaning": [
        ("公共区域地面无积水、无垃圾", 2),
        ("卫生间无异味、纸品及时补充", 3),
        ("垃圾每日按时清运、分类投放", 3),
        ("电梯轿厢及按钮每日消毒", 2),
        ("玻璃门窗无明显污渍", 1),
    ],
    "greening": [
        ("草坪修剪平整、无杂草", 2),
        ("乔灌木无病虫害、无枯枝", 3),
        ("室内绿植无枯黄、按时浇水", 2),
        ("园林工具摆放整齐、安全", 1),
    ],
    "facilities": [
        ("配电房每日巡检记录完整", 5),
        ("电梯维保按期完成并公示", 5),
        ("空调机组运行参数记录齐全", 3),
        ("给排水设备无跑冒滴漏", 3),
        ("报修2小时内响应", 3),
    ],
}

LOCATIONS = {
    "security": ["行政中心东门岗", "A座大厅服务台", "地下车库入口", "监控中心"],
    "conference": ["A座3楼 第一会议室", "B座2楼 报告厅", "C座5楼 小会议室"],
    "catering": ["机关食堂后厨", "机关食堂一楼就餐区", "食堂粗加工间"],
    "cleaning": ["A座3楼 东侧卫生间", "B座1楼 大厅", "C座电梯厅", "A座5楼 走廊"],
    "greening": ["南广场草坪", "A座中庭绿植区", "东侧停车场绿化带"],
    "facilities": ["A座地下配电房", "B座电梯机房", "C座空调机房", "A座屋面水箱间"],
}

QUESTIONS = [
    ("security", "您对本月行政中心安保服务是否满意？"),
    ("conference", "您对本月会务服务是否满意？"),
    ("catering", "您对本月机关食堂饭菜和服务是否满意？"),
    ("cleaning", "您对本月办公区域保洁是否满意？"),
    ("greening", "您对本月园区绿化养护是否满意？"),
    ("facilities", "您对本月设施设备运行和维修是否满意？"),
]

# The directory entries of this scenario (I0001/I0002 inspectors, Q000n team contacts)
# are in demo/__init__.py DEMO_STAFF.


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=resources.settings().tz)


async def seed(*, now: datetime) -> list[str]:
    if await Team.exists(name=TEAMS[0][0]):
        return ["assessment: demo teams already present"]
    rng = random.Random(18)
    teams: dict[str, dict[str, Any]] = {}
    for name, service, vendor, headcount, contact in TEAMS:
        await demo_account(contact)
        team = await setup.create_team(
            name=name, service=service, vendor=vendor, contracted_headcount=headcount,
            contacts=[contact], now=now,
        )  # fmt: skip
        teams[service] = team.model_dump()
    standards: dict[str, list[dict[str, Any]]] = {}
    for service, items in STANDARDS.items():
        created = await setup.create_standards(
            items=[
                {
                    "service": service,
                    "code": f"{service[:3].upper()}-{i + 1:02d}",
                    "text": t,
                    "points": p,
                }
                for i, (t, p) in enumerate(items)
            ]
        )
        standards[service] = [item.model_dump() for item in created.items]
    today = now.astimezone(resources.settings().tz).date()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    days = [last_month + timedelta(days=i) for i in range((today - last_month).days)]
    await _attendance(teams=teams, days=days, rng=rng)
    inspector = await demo_account("I0001")
    principal = Principal(user_id=inspector.id, roles=frozenset({"staff", "inspector"}))
    count = await _inspections(
        principal=principal, teams=teams, standards=standards, days=days, now=now, rng=rng
    )
    await _surveys(last_month=last_month, this_month=this_month, now=now, rng=rng)
    return [
        f"assessment: {len(teams)} teams, {sum(len(s) for s in standards.values())} standards, "
        f"{count} inspections, {len(days)} days of attendance, surveys for "
        f"{last_month:%Y-%m} (answered) and {this_month:%Y-%m} (open)"
    ]


async def _attendance(
    *, teams: dict[str, dict[str, Any]], days: list[date], rng: random.Random
) -> None:
    for service, team in teams.items():
        for day in days:
            if day.weekday() >= 5 and service in ("conference", "greening"):
                continue
            short = rng.choice([0, 0, 0, 0, 1, 1, 2])
            await Attendance.create(
                team_id=team["id"], date=day, present=team["contracted_headcount"] - short
            )


async def _inspections(
    *, principal: Principal, teams: dict[str, dict[str, Any]], standards: dict[str, list[dict[str, Any]]], days: list[date], now: datetime,
    rng: random.Random,
) -> int:  # fmt: skip
    count = 0
    for day in days[::3]:
        if day.weekday() >= 5:
            continue
        for service, team in teams.items():
            if rng.random() < 0.5:
                continue
            at = _local(day, rng.choice([9, 10, 14, 15]), rng.choice([0, 15, 30]))
            if at >= now:
                continue
            results = [
                {"standard_id": s["id"], "passed": rng.random() > 0.12, "note": "", "photo_ids": []}
                for s in standards[service]
            ]
            for result in results:
                if not result["passed"]:
                    result["note"] = "现场检查不符合要求"
            inspection = await inspections.create_inspection(
                principal=principal, team_id=team["id"], location=rng.choice(LOCATIONS[service]),
                results=results, now=at,
            )  # fmt: skip
            count += 1
            await _answer_rectifications(inspection=inspection, team=team, principal=principal,
                                         now=now, rng=rng)  # fmt: skip
    return count


async def _answer_rectifications(
    *,
    inspection: InspectionView,
    team: dict[str, Any],
    principal: Principal,
    now: datetime,
    rng: random.Random,
) -> None:
    """Most rectifications are put right and verified; some stay open or run overdue."""
    from models.assessment import Rectification

    contact = await demo_account(team["contacts"][0])
    contact_principal = Principal(
        user_id=contact.id, employee_no=team["contacts"][0], roles=frozenset({"staff"})
    )
    at = inspection.at
    for rect in await Rectification.filter(inspection_id=inspection.id):
        submitted = at + timedelta(hours=rng.choice([4, 20, 30]))
        if submitted >= now or rng.random() < 0.15:
            continue
        await inspections.act(rectification_id=rect.id, principal=contact_principal,
                              action="submit", note="已按要求整改完毕", now=submitted)  # fmt: skip
        if submitted + timedelta(hours=2) < now:
            await inspections.act(rectification_id=rect.id, principal=principal,
                                  action="verify", note="复查合格", now=submitted + timedelta(hours=2))  # fmt: skip
    await inspections.mark_overdue(now=now)


async def _surveys(
    *, last_month: date, this_month: date, now: datetime, rng: random.Random
) -> None:
    questions = [{"service": s, "text": t} for s, t in QUESTIONS]
    past = await surveys.create_survey(
        month=f"{last_month:%Y-%m}", questions=questions,
        opens=_local(last_month + timedelta(days=19), 9),
        closes=_local(this_month, 0), now=now,
    )  # fmt: skip
    # 60 anonymous respondents of last month, mostly satisfied.
    for question in await SurveyQuestion.filter(survey_id=past.id):
        for _ in range(60):
            score = rng.choices([5, 4, 3, 2], weights=[70, 26, 3, 1])[0]
            await SurveyAnswer.create(
                survey_id=past.id, question_id=question.id, service=question.service, score=score
            )
    await surveys.create_survey(
        month=f"{this_month:%Y-%m}", questions=questions,
        opens=_local(this_month, 0), closes=_local(next_month(this_month), 0), now=now,
    )  # fmt: skip
    assert await Survey.filter(month=f"{this_month:%Y-%m}").exists()
