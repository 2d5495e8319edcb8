"""Service-quality assessment endpoints of API.md §11, and the meal rating of §11/§3
(`POST /meals/orders/{id}/rating`, which feeds the catering team's satisfaction)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sanic import Blueprint, HTTPResponse, Request

from models import MAX_ID
from server import clock
from server.auth import guard, principal_of
from server.http import doc, now, parse_body, parse_query, reply, workbook
from server.idempotency import idempotent
from server.pagination import PageQuery
from services import assessment

bp = Blueprint("assessment", url_prefix="/api/v1")

Service = Literal[
    "security", "conference", "catering", "cleaning", "greening", "facilities", "duty_station"
]
Id = Annotated[int, Field(gt=0, le=MAX_ID, strict=True)]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
_TRANSITION_ERRORS = ["not_found", "forbidden", "invalid_state", "conflict"]
TAG = "assessment"


# --- wire models -------------------------------------------------------------------------


class TeamIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=64)
    service: Service
    vendor: str = Field(min_length=1, max_length=128, description="承包单位")
    contracted_headcount: int = Field(ge=1, le=10_000, strict=True)
    contacts: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=20, description="团队联系人的工号，第一位为主要联系人"
    )


TeamOut = assessment.Team
TeamList = assessment.TeamList


class TeamPatchIn(BaseModel):
    model_config = _STRICT
    name: str | None = Field(None, min_length=1, max_length=64)
    vendor: str | None = Field(None, min_length=1, max_length=128, description="承包单位")
    contracted_headcount: int | None = Field(None, ge=1, le=10_000, strict=True)
    contacts: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(
        None, max_length=20, description="团队联系人的工号，第一位为主要联系人"
    )

    @model_validator(mode="after")
    def _something(self) -> TeamPatchIn:
        if not self.model_dump(exclude_none=True):
            raise ValueError("没有要修改的内容")
        return self


class StandardIn(BaseModel):
    model_config = _STRICT
    service: Service
    code: str = Field(min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=256)
    points: int = Field(ge=0, le=100, strict=True)


class StandardsIn(BaseModel):
    model_config = _STRICT
    items: list[StandardIn] = Field(min_length=1, max_length=200)


StandardOut = assessment.Standard
StandardList = assessment.StandardList


class StandardPatchIn(BaseModel):
    model_config = _STRICT
    code: str | None = Field(None, min_length=1, max_length=32)
    text: str | None = Field(None, min_length=1, max_length=256)
    points: int | None = Field(None, ge=0, le=100, strict=True)

    @model_validator(mode="after")
    def _something(self) -> StandardPatchIn:
        if not self.model_dump(exclude_none=True):
            raise ValueError("没有要修改的内容")
        return self


class StandardsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: Service | None = None


class ResultIn(BaseModel):
    model_config = _STRICT
    standard_id: Id
    passed: bool = Field(strict=True)
    note: str = Field("", max_length=500)
    photo_ids: list[Id] = Field(default_factory=list, max_length=9)


class InspectionIn(BaseModel):
    model_config = _STRICT
    team_id: Id
    location: str = Field(min_length=1, max_length=128)
    results: list[ResultIn] = Field(min_length=1, max_length=100)


# The wire shapes of inspections and rectifications are the service's results,
# documented as they are (server/wire.py).
InspectionOut = assessment.InspectionView
InspectionPage = assessment.InspectionPage
RectificationOut = assessment.RectificationView
RectificationPage = assessment.RectificationPage


class InspectionsQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    team_id: int | None = Field(None, gt=0, le=MAX_ID)
    month: str | None = Field(None, max_length=7, description="YYYY-MM")


class RectificationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "submitted", "verified", "overdue"] | None = None
    team_id: int | None = Field(None, gt=0, le=MAX_ID)
    limit: int = Field(50, ge=1, le=100)


class SubmitIn(BaseModel):
    model_config = _STRICT
    note: str = Field(min_length=1, max_length=1000, description="整改说明")
    photo_ids: list[Id] = Field(default_factory=list, max_length=9)


class ReviewIn(BaseModel):
    model_config = _STRICT
    note: str = Field("", max_length=1000)


class AttendanceItem(BaseModel):
    model_config = _STRICT
    team_id: Id
    date: clock.CalendarDay
    present: int = Field(ge=0, le=10_000, strict=True)


class AttendanceIn(BaseModel):
    model_config = _STRICT
    items: list[AttendanceItem] = Field(min_length=1, max_length=5000)


class AttendanceOut(BaseModel):
    created: int
    updated: int
    unchanged: int


class QuestionIn(BaseModel):
    model_config = _STRICT
    service: Service
    text: str = Field(min_length=1, max_length=256)


class SurveyIn(BaseModel):
    model_config = _STRICT
    month: str = Field(min_length=7, max_length=7, description="YYYY-MM")
    questions: list[QuestionIn] = Field(min_length=1, max_length=20)
    opens: clock.CalendarTime
    closes: clock.CalendarTime


SurveyOut = assessment.Survey
SurveyPage = assessment.SurveyPage
MySurveyOut = assessment.MySurvey


class AnswerIn(BaseModel):
    model_config = _STRICT
    question_id: Id
    score: int = Field(ge=1, le=5, strict=True)
    comment: str = Field("", max_length=500)


class ResponseIn(BaseModel):
    model_config = _STRICT
    answers: list[AnswerIn] = Field(min_length=1, max_length=20)


class ScoresQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    month: str = Field(max_length=7, description="YYYY-MM")
    format: Literal["json", "xlsx"] = "json"


class TrendQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(max_length=7, description="YYYY-MM，最后一个月")
    months: int = Field(6, ge=1, le=12)


ScoresOut = assessment.Scores
TrendOut = assessment.Trend


class MealRatingIn(BaseModel):
    model_config = _STRICT
    score: int = Field(ge=1, le=5, strict=True)
    comment: str = Field("", max_length=500)


MealRatingOut = assessment.MealRating


# --- teams and standards ---------------------------------------------------------------


@bp.post("/admin/assessment/teams")
@doc(summary="新建服务团队", tag=TAG, body=TeamIn, response=TeamOut, status=201,
     errors=["forbidden", "conflict"],
     description="contacts 为团队联系人工号（须在职工名录中），第一位为主要联系人。")  # fmt: skip
@guard("admin")
@idempotent(recover=assessment.team_created)
async def create_team(request: Request) -> HTTPResponse:
    body = parse_body(request, TeamIn)
    team = await assessment.create_team(**body.model_dump(), now=now(request))
    return reply(team, status=201)


@bp.get("/assessment/teams")
@doc(summary="服务团队列表（检查员）", tag=TAG, response=TeamList, errors=["forbidden"])
@guard("inspector")
async def list_teams(request: Request) -> HTTPResponse:
    return reply(await assessment.list_teams())


@bp.get("/admin/assessment/teams")
@doc(summary="服务团队列表（管理）", tag=TAG, response=TeamList, errors=["forbidden"])
@guard("admin")
async def admin_list_teams(request: Request) -> HTTPResponse:
    return reply(await assessment.list_teams())


@bp.patch("/admin/assessment/teams/<team_id:int>")
@doc(summary="修改服务团队", tag=TAG, body=TeamPatchIn, response=TeamOut,
     errors=["forbidden", "not_found", "conflict"],
     description="只改所给字段（名称、承包单位、合同人数、联系人）；服务类别不能改。"
     "同名团队 409 conflict；联系人工号须在职工名录中。")  # fmt: skip
@guard("admin")
async def update_team(request: Request, team_id: int) -> HTTPResponse:
    body = parse_body(request, TeamPatchIn)
    team = await assessment.update_team(team_id=team_id, changes=body.model_dump(exclude_none=True))
    return reply(team)


@bp.post("/admin/assessment/standards")
@doc(summary="批量新增考核标准", tag=TAG, body=StandardsIn, response=StandardList, status=201,
     errors=["forbidden", "conflict"],
     description="全部成功或全部不写入；同一服务的 code 唯一，重复 409 conflict。")  # fmt: skip
@guard("admin")
@idempotent(recover=assessment.standards_created)
async def create_standards(request: Request) -> HTTPResponse:
    body = parse_body(request, StandardsIn)
    created = await assessment.create_standards(items=[i.model_dump() for i in body.items])
    return reply(created, status=201)


@bp.get("/assessment/standards")
@doc(summary="考核标准（检查清单）", tag=TAG, query=StandardsQuery, response=StandardList,
     errors=["forbidden"])  # fmt: skip
@guard("inspector")
async def list_standards(request: Request) -> HTTPResponse:
    query = parse_query(request, StandardsQuery)
    return reply(await assessment.list_standards(service=query.service))


@bp.get("/admin/assessment/standards")
@doc(summary="考核标准（管理）", tag=TAG, query=StandardsQuery, response=StandardList,
     errors=["forbidden"])  # fmt: skip
@guard("admin")
async def admin_list_standards(request: Request) -> HTTPResponse:
    query = parse_query(request, StandardsQuery)
    return reply(await assessment.list_standards(service=query.service))


@bp.patch("/admin/assessment/standards/<standard_id:int>")
@doc(summary="修改考核标准", tag=TAG, body=StandardPatchIn, response=StandardOut,
     errors=["forbidden", "not_found", "conflict"],
     description="只改所给字段。分值的修改只影响此后的检查：已做的检查按当时的分值扣分。"
     "同一服务的编号重复 409 conflict。")  # fmt: skip
@guard("admin")
async def update_standard(request: Request, standard_id: int) -> HTTPResponse:
    body = parse_body(request, StandardPatchIn)
    standard = await assessment.update_standard(
        standard_id=standard_id, changes=body.model_dump(exclude_none=True)
    )
    return reply(standard)


# --- inspections and rectifications ----------------------------------------------------


@bp.post("/assessment/inspections")
@doc(summary="提交检查记录", tag=TAG, body=InspectionIn, response=InspectionOut, status=201,
     errors=["forbidden"],
     description="每个不合格项扣除其分值，并生成整改单（默认 3 天内完成，RECTIFICATION_DAYS），"
     "通知团队联系人。photo_ids 为本人通过 POST /uploads 上传且未使用的图片。支持 Idempotency-Key。")  # fmt: skip
@guard("inspector")
@idempotent(recover=assessment.inspected)
async def create_inspection(request: Request) -> HTTPResponse:
    body = parse_body(request, InspectionIn)
    inspection = await assessment.create_inspection(
        principal=principal_of(request),
        team_id=body.team_id,
        location=body.location,
        results=[r.model_dump() for r in body.results],
        now=now(request),
    )
    return reply(inspection, status=201)


@bp.get("/assessment/inspections")
@doc(summary="检查记录列表", tag=TAG, query=InspectionsQuery, response=InspectionPage,
     errors=["forbidden"], description="按 id 倒序，游标分页；month 为 YYYY-MM。")  # fmt: skip
@guard("inspector")
async def list_inspections(request: Request) -> HTTPResponse:
    query = parse_query(request, InspectionsQuery)
    page = await assessment.list_inspections(
        team_id=query.team_id, month=query.month, limit=query.limit, cursor=query.cursor
    )
    return reply(page)


@bp.get("/assessment/rectifications")
@doc(summary="整改单列表", tag=TAG, query=RectificationsQuery, response=RectificationPage,
     description="检查员、管理员看到全部；团队联系人看到本团队的。按截止时间排序。")  # fmt: skip
@guard()
async def list_rectifications(request: Request) -> HTTPResponse:
    query = parse_query(request, RectificationsQuery)
    page = await assessment.list_rectifications(
        principal=principal_of(request),
        status=query.status,
        team_id=query.team_id,
        limit=query.limit,
    )
    return reply(page)


@bp.get("/assessment/rectifications/<rectification_id:int>")
@doc(summary="整改单详情（含流转记录）", tag=TAG, response=RectificationOut, errors=["not_found"])
@guard()
async def get_rectification(request: Request, rectification_id: int) -> HTTPResponse:
    found = await assessment.get_rectification(
        rectification_id=rectification_id, principal=principal_of(request)
    )
    return reply(found)


async def _act(request: Request, rectification_id: int, action: str, **extra: Any) -> HTTPResponse:
    found = await assessment.act(
        rectification_id=rectification_id,
        principal=principal_of(request),
        action=action,
        now=now(request),
        **extra,
    )
    return reply(found)


@bp.post("/assessment/rectifications/<rectification_id:int>/submit")
@doc(summary="提交整改（团队联系人）", tag=TAG, body=SubmitIn, response=RectificationOut,
     errors=_TRANSITION_ERRORS, description="open 或 overdue → submitted。")  # fmt: skip
@guard()
async def submit(request: Request, rectification_id: int) -> HTTPResponse:
    body = parse_body(request, SubmitIn)
    return await _act(request, rectification_id, "submit", note=body.note, photo_ids=body.photo_ids)


@bp.post("/assessment/rectifications/<rectification_id:int>/verify")
@doc(summary="复查通过（发起检查的检查员）", tag=TAG, body=ReviewIn, body_required=False, response=RectificationOut,
     errors=_TRANSITION_ERRORS, description='submitted → verified；可选请求体 {"note"}。')  # fmt: skip
@guard("inspector")
async def verify(request: Request, rectification_id: int) -> HTTPResponse:
    body = parse_body(request, ReviewIn) if request.body else ReviewIn.model_validate({})
    return await _act(request, rectification_id, "verify", note=body.note)


@bp.post("/assessment/rectifications/<rectification_id:int>/reject")
@doc(summary="复查不通过（发起检查的检查员）", tag=TAG, body=ReviewIn, body_required=False, response=RectificationOut,
     errors=_TRANSITION_ERRORS, description="submitted → open（截止时间不变，过期后由任务置为 overdue）。")  # fmt: skip
@guard("inspector")
async def reject(request: Request, rectification_id: int) -> HTTPResponse:
    body = parse_body(request, ReviewIn) if request.body else ReviewIn.model_validate({})
    return await _act(request, rectification_id, "reject", note=body.note)


@bp.get("/assessment/photos/<photo_id:int>")
@doc(summary="查看检查/整改照片", tag=TAG, response={"type": "string", "format": "binary"},
     content_type="image/*", errors=["not_found"],
     description="检查员、管理员和该团队联系人可以查看，其他人 404。")  # fmt: skip
@guard()
async def photo(request: Request, photo_id: int) -> HTTPResponse:
    content_type, data = await assessment.read_photo(
        photo_id=photo_id, principal=principal_of(request)
    )
    return HTTPResponse(
        data,
        content_type=content_type,
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


# --- attendance, surveys, ratings ------------------------------------------------------------


@bp.post("/admin/assessment/attendance")
@doc(summary="录入出勤", tag=TAG, body=AttendanceIn, response=AttendanceOut,
     errors=["forbidden", "conflict"],
     description="按（团队, 日期）写入或更新，重复提交不会重复计数；任一条有误则全部不写入，"
     "details.fields 以“line N”（第 N 条）指出。同样的规则见 python -m server import-attendance FILE.csv。")  # fmt: skip
@guard("admin")
async def attendance(request: Request) -> HTTPResponse:
    body = parse_body(request, AttendanceIn)
    counts = await assessment.import_items(items=[i.model_dump() for i in body.items])
    return reply(counts)


@bp.post("/admin/assessment/surveys")
@doc(summary="发布月度满意度调查", tag=TAG, body=SurveyIn, response=SurveyOut, status=201,
     errors=["forbidden", "conflict"], description="每月一份；开放时间 [opens, closes)。")  # fmt: skip
@guard("admin")
@idempotent(recover=assessment.survey_created)
async def create_survey(request: Request) -> HTTPResponse:
    body = parse_body(request, SurveyIn)
    survey = await assessment.create_survey(
        month=body.month,
        questions=[q.model_dump() for q in body.questions],
        opens=body.opens,
        closes=body.closes,
        now=now(request),
    )
    return reply(survey, status=201)


@bp.get("/admin/assessment/surveys")
@doc(summary="满意度调查列表（管理）", tag=TAG, query=PageQuery, response=SurveyPage,
     errors=["forbidden"], description="按 id 倒序，游标分页；responses 为答卷份数（不含答卷人）。")  # fmt: skip
@guard("admin")
async def list_surveys(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    return reply(await assessment.list_surveys(limit=query.limit, cursor=query.cursor))


@bp.get("/assessment/surveys/current")
@doc(summary="当前的满意度调查（含我的回答）", tag=TAG, response=MySurveyOut, errors=["not_found"])
@guard()
async def current_survey(request: Request) -> HTTPResponse:
    survey = await assessment.current(user_id=principal_of(request).user_id, now=now(request))
    return reply(survey)


@bp.post("/assessment/surveys/<survey_id:int>/responses")
@doc(summary="提交满意度调查", tag=TAG, body=ResponseIn, response=MySurveyOut, status=201,
     errors=["not_found", "conflict", "too_early", "too_late"],
     description="每人每份调查一次（再次提交 409 conflict），须回答全部问题。"
     "回答匿名：任何报表和导出都不包含答卷人。")  # fmt: skip
@guard()
@idempotent(recover=assessment.responded)
async def respond(request: Request, survey_id: int) -> HTTPResponse:
    body = parse_body(request, ResponseIn)
    survey = await assessment.respond(
        survey_id=survey_id,
        user_id=principal_of(request).user_id,
        answers=[a.model_dump() for a in body.answers],
        now=now(request),
    )
    return reply(survey, status=201)


@bp.post("/meals/orders/<order_id:int>/rating")
@doc(summary="评价已取餐的订单（一次）", tag="meals", body=MealRatingIn, response=MealRatingOut,
     status=201, errors=["not_found", "invalid_state", "conflict"],
     description="订单本人、已取餐（served）后评价一次，重复 409 conflict；计入餐饮团队满意度。")  # fmt: skip
@guard()
@idempotent(recover=assessment.meal_rated)
async def rate_meal(request: Request, order_id: int) -> HTTPResponse:
    body = parse_body(request, MealRatingIn)
    rating = await assessment.rate_meal(
        user_id=principal_of(request).user_id,
        order_id=order_id,
        score=body.score,
        comment=body.comment,
        now=now(request),
    )
    return reply(rating, status=201)


# --- scores -----------------------------------------------------------------------------------


@bp.get("/admin/assessment/scores")
@doc(summary="月度考核得分", tag=TAG, query=ScoresQuery, response=ScoresOut, errors=["forbidden"],
     description="出勤（出勤/合同人数，按天平均）、检查（100−扣分，最低0）、满意度（≥4分占比），"
     "综合得分按 ASSESSMENT_WEIGHTS（默认 20/40/40）加权，缺数据的部分不计入权重。"
     "format=xlsx 导出 Excel。只含汇总数字，不含任何答卷人信息。")  # fmt: skip
@guard("admin")
async def scores(request: Request) -> HTTPResponse:
    query = parse_query(request, ScoresQuery)
    if query.format == "xlsx":
        data = await assessment.workbook(month=query.month)
        return workbook(data, filename=f"assessment-{query.month}.xlsx")
    return reply(await assessment.scores(month=query.month))


@bp.get("/admin/assessment/trend")
@doc(summary="考核得分趋势（最近几个月）", tag=TAG, query=TrendQuery, response=TrendOut,
     errors=["forbidden"])  # fmt: skip
@guard("admin")
async def trend(request: Request) -> HTTPResponse:
    query = parse_query(request, TrendQuery)
    return reply(await assessment.trend(month=query.month, months=query.months))
