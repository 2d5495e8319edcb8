"""Purchase request endpoints of API.md §12 (attachments are uploads, handlers/uploads.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sanic import Blueprint, HTTPResponse, Request

from models import MAX_ID
from models.procurement import STATUSES
from server.auth import guard, principal_of
from server.http import doc, now, parse_body, parse_query, reply, workbook
from server.idempotency import idempotent
from server.money import Fen
from server.pagination import PageQuery, statuses_of
from services import procurement

bp = Blueprint("procurement", url_prefix="/api/v1")

Category = Literal["office", "furniture", "equipment", "other"]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
_TRANSITION_ERRORS = ["not_found", "forbidden", "invalid_state"]
MAX_QTY = 100_000
MAX_UNIT_PRICE_FEN = 100_000_000  # ¥1,000,000 per unit: beyond any office purchase


class ItemIn(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=1, max_length=64)
    spec: str = Field("", max_length=128)
    qty: int = Field(gt=0, le=MAX_QTY, strict=True)
    unit: str = Field(min_length=1, max_length=8, description="如 个、包、台")
    unit_price_fen: Fen = Field(ge=0, le=MAX_UNIT_PRICE_FEN, description="单价（分）")


class RequestIn(BaseModel):
    model_config = _STRICT

    title: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=2000)
    category: Category
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    attachment_ids: list[Annotated[int, Field(gt=0, le=MAX_ID)]] = Field(
        default_factory=list, max_length=10
    )
    department: str | None = Field(
        None, max_length=128, description="可省略；由通讯录决定，只能是本人部门"
    )


# The wire shapes are the service's results, documented as they are (server/wire.py).
RequestOut = procurement.RequestView
RequestPage = procurement.RequestPage


class ListQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    scope: Literal["mine", "to_approve", "all"] = "mine"
    status: str | None = Field(None, description="状态，可用逗号分隔多个")

    _known_statuses = field_validator("status")(statuses_of(STATUSES))


Stage = Literal["dept", "procurement", "leader"]
_STAGE_DOC = "审批人看到的环节（dept 部门负责人 / procurement 采购办 / leader 领导）；申请已进入其他环节时 409 stale"


class ApproveIn(BaseModel):
    model_config = _STRICT
    stage: Stage = Field(description=_STAGE_DOC)
    comment: str = Field("", max_length=1000)


class RejectIn(BaseModel):
    model_config = _STRICT
    stage: Stage = Field(description=_STAGE_DOC)
    comment: str = Field(min_length=1, max_length=1000, description="驳回必须填写意见")


class OrderIn(BaseModel):
    model_config = _STRICT
    supplier: str = Field(min_length=1, max_length=128)
    amount_fen: Fen = Field(gt=0, le=10**12, description="实际下单金额（分）")


class ReceiveIn(BaseModel):
    model_config = _STRICT
    note: str = Field("", max_length=1000)


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str | None = Field(None, max_length=7, description="YYYY-MM，默认本月")
    format: Literal["json", "xlsx"] = "json"


ReportOut = procurement.SpendReport


@bp.post("/procurement/requests")
@doc(
    summary="提交采购申请",
    tag="procurement",
    body=RequestIn,
    response=RequestOut,
    status=201,
    errors=["invalid_input"],
    description="total_fen 由服务器按 qty×unit_price_fen 计算；部门取自通讯录。attachment_ids 为本人通过 "
    "POST /uploads 上传且尚未使用的图片或 PDF 报价单。支持 Idempotency-Key。",
)
@guard()
@idempotent(recover=procurement.submitted)
async def submit(request: Request) -> HTTPResponse:
    body = parse_body(request, RequestIn)
    created = await procurement.submit(
        principal=principal_of(request),
        title=body.title,
        reason=body.reason,
        category=body.category,
        items=[item.model_dump() for item in body.items],
        attachment_ids=body.attachment_ids,
        department=body.department,
        now=now(request),
    )
    return reply(created, status=201)


@bp.get("/procurement/requests")
@doc(
    summary="采购申请列表",
    tag="procurement",
    query=ListQuery,
    response=RequestPage,
    errors=["forbidden"],
    description="scope=mine（默认）；to_approve 为当前等待我审批的申请（部门负责人只看本部门，采购办看待采购办审批，"
    "管理员看待领导审批；不含本人的申请）；all 为采购办、管理员（部门负责人为本部门全部）。按 id 倒序，游标分页。",
)
@guard()
async def list_requests(request: Request) -> HTTPResponse:
    query = parse_query(request, ListQuery)
    page = await procurement.list_requests(
        principal=principal_of(request),
        scope=query.scope,
        statuses=query.status.split(",") if query.status else [],
        limit=query.limit,
        cursor=query.cursor,
    )
    return reply(page)


@bp.get("/procurement/requests/<request_id:int>")
@doc(
    summary="采购申请详情（含审批记录）",
    tag="procurement",
    response=RequestOut,
    errors=["not_found"],
    description="申请人、本部门负责人、采购办、管理员及曾审批过的人可见，其他人 404。",
)
@guard()
async def get_request(request: Request, request_id: int) -> HTTPResponse:
    return reply(
        await procurement.get(request_id=request_id, principal=principal_of(request)),
    )


async def _act(request: Request, request_id: int, action: str, **extra: Any) -> HTTPResponse:
    result = await procurement.act(
        request_id=request_id,
        principal=principal_of(request),
        action=action,
        now=now(request),
        **extra,
    )
    return reply(result)


def _optional(request: Request, model: type[ReceiveIn]) -> Any:
    return parse_body(request, model) if request.body else model.model_validate({})


@bp.post("/procurement/requests/<request_id:int>/approve")
@doc(
    summary="审批通过（当前环节的审批人）",
    tag="procurement",
    body=ApproveIn,
    response=RequestOut,
    errors=[*_TRANSITION_ERRORS, "stale", "invalid_input"],
    description="部门负责人 → 采购办 → 领导（admin，仅当 total_fen ≥ 阈值，默认 ¥5,000）→ approved。"
    "stage 必填，为审批人看到的环节：申请已进入其他环节时 409 stale（details.status 为当前状态），"
    "迟到的点击不会决定下一环节。不能审批本人的申请（403）；两人同时审批同一环节只有一人成功，"
    "另一人 409 invalid_state。",
)
@guard()
async def approve(request: Request, request_id: int) -> HTTPResponse:
    body = parse_body(request, ApproveIn)
    return await _act(request, request_id, "approve", comment=body.comment, stage=body.stage)


@bp.post("/procurement/requests/<request_id:int>/reject")
@doc(
    summary="驳回（当前环节的审批人，必须填写意见）",
    tag="procurement",
    body=RejectIn,
    response=RequestOut,
    errors=[*_TRANSITION_ERRORS, "stale", "invalid_input"],
    description="stage 与 comment 必填；stage 不是申请当前的环节时 409 stale（details.status 为当前状态）。",
)
@guard()
async def reject(request: Request, request_id: int) -> HTTPResponse:
    body = parse_body(request, RejectIn)
    return await _act(request, request_id, "reject", comment=body.comment, stage=body.stage)


@bp.post("/procurement/requests/<request_id:int>/withdraw")
@doc(
    summary="撤回（申请人，部门负责人审批前）",
    tag="procurement",
    response=RequestOut,
    errors=_TRANSITION_ERRORS,
)
@guard()
async def withdraw(request: Request, request_id: int) -> HTTPResponse:
    return await _act(request, request_id, "withdraw")


@bp.post("/procurement/requests/<request_id:int>/resubmit")
@doc(
    summary="修改并重新提交（申请人，已驳回的申请）",
    tag="procurement",
    body=RequestIn,
    response=RequestOut,
    errors=_TRANSITION_ERRORS,
    description="请求体与提交时相同（修改后的完整申请）；申请回到 pending_dept，开始新一轮审批。"
    "此前各轮的审批记录保留在 steps 和 trail 中，其后是一条 decision=resubmitted 的步骤。"
    "attachment_ids 为修改后的附件：保留的不变，新的须为本人上传且未使用，未列出的退回给上传人。"
    "只能由申请人在 rejected 状态下执行，否则 409 invalid_state。支持 Idempotency-Key："
    "首次应答丢失后重放返回该申请的当前状态，不会再次提交。",
)
@guard()
@idempotent(recover=procurement.resubmitted, status=200)
async def resubmit(request: Request, request_id: int) -> HTTPResponse:
    body = parse_body(request, RequestIn)
    updated = await procurement.resubmit(
        request_id=request_id,
        principal=principal_of(request),
        title=body.title,
        reason=body.reason,
        category=body.category,
        items=[item.model_dump() for item in body.items],
        attachment_ids=body.attachment_ids,
        department=body.department,
        now=now(request),
    )
    return reply(updated)


@bp.post("/procurement/requests/<request_id:int>/order")
@doc(
    summary="下单（采购办，已批准的申请）",
    tag="procurement",
    body=OrderIn,
    response=RequestOut,
    errors=[*_TRANSITION_ERRORS, "invalid_input"],
)
@guard()
async def order(request: Request, request_id: int) -> HTTPResponse:
    body = parse_body(request, OrderIn)
    return await _act(
        request, request_id, "order", supplier=body.supplier, amount_fen=body.amount_fen
    )


@bp.post("/procurement/requests/<request_id:int>/receive")
@doc(
    summary="确认收货（采购办，已下单的申请）",
    tag="procurement",
    body=ReceiveIn,
    body_required=False,
    response=RequestOut,
    errors=_TRANSITION_ERRORS,
)
@guard()
async def receive(request: Request, request_id: int) -> HTTPResponse:
    body = _optional(request, ReceiveIn)
    return await _act(request, request_id, "receive", comment=body.note)


@bp.get("/admin/procurement/report")
@doc(
    summary="采购月报：按部门和类别的支出",
    tag="procurement",
    query=ReportQuery,
    response=ReportOut,
    errors=["forbidden", "invalid_input"],
    description="按下单时间（服务时区）统计当月已下单/已收货申请的下单金额（分）。format=xlsx 返回 Excel 文件"
    "（按部门、按类别、明细三张表，金额以元显示）。",
)
@guard("procurement")
async def report(request: Request) -> HTTPResponse:
    query = parse_query(request, ReportQuery)
    if query.format == "xlsx":
        name, data = await procurement.monthly_xlsx(month=query.month, now=now(request))
        return workbook(data, filename=name)
    return reply(await procurement.monthly(month=query.month, now=now(request)))
