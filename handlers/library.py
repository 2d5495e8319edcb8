"""Library endpoints of API.md §9: catalogue, loans, returns, renewals and holds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request

from models import MAX_ID
from server.auth import guard, principal_of
from server.http import doc, now, parse_body, parse_query, reply
from server.idempotency import idempotent
from server.pagination import PageQuery
from services import library

bp = Blueprint("library", url_prefix="/api/v1")

BARCODE = r"^\s*[A-Za-z0-9-]{1,32}\s*$"


# --- wire models -------------------------------------------------------------------


class TitleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    isbn: str = Field(min_length=10, max_length=32, description="ISBN-10 或 ISBN-13，可带连字符")
    title: str = Field(min_length=1, max_length=200)
    author: str = Field(default="", max_length=200)
    publisher: str = Field(default="", max_length=200)
    year: int | None = Field(default=None, ge=1000, le=2999)
    barcodes: list[str] = Field(default_factory=list, max_length=200)


class CopiesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    barcodes: list[str] = Field(min_length=1, max_length=200)


# The wire shapes are the service's results, documented as they are (server/wire.py).
TitleOut = library.TitleView
TitleList = library.TitlePage
LoanOut = library.LoanView
LoanList = library.LoanPage
OverdueList = library.OverduePage
HoldOut = library.HoldView
HoldList = library.HoldPage
CopyOut = library.CopyView
ReturnOut = library.Returned


class TitleQuery(PageQuery):
    q: str | None = Field(default=None, max_length=100, description="书名、作者或 ISBN（任意格式）")


class DeskLoanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    barcode: str = Field(pattern=BARCODE)
    employee_no: str = Field(min_length=1, max_length=32)


class BarcodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    barcode: str = Field(pattern=BARCODE)


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title_id: int = Field(ge=1, le=MAX_ID)


LOAN_RULES = (
    "借期 30 天（到期日当天 23:59:59 止）。每人最多同时借 5 本（409 limit_reached）；"
    "有逾期未还的图书时不能借书（409 limit_reached，details.reason = overdue）。"
    "已借出、已挂失，或在预约书架上为他人保留的一册：409 invalid_state。"
    "预约者借走为自己保留的一册即完成预约。支持 Idempotency-Key：首次应答丢失后重放返回"
    "同一笔借阅的当前状态（已归还则为 returned），不会再次借出。"
)


# --- catalogue ---------------------------------------------------------------------


@bp.get("/library/titles")
@doc(
    summary="检索图书",
    tag="library",
    query=TitleQuery,
    response=TitleList,
    description="按书名、作者或 ISBN 检索；ISBN 可为 ISBN-10 或 ISBN-13，带不带连字符均可。",
)
@guard()
async def search_titles(request: Request) -> HTTPResponse:
    query = parse_query(request, TitleQuery)
    page = await library.search_titles(q=query.q, limit=query.limit, cursor=query.cursor)
    return reply(page)


@bp.get("/library/titles/<title_id:int>")
@doc(summary="图书详情", tag="library", response=TitleOut, errors=["not_found"])
@guard()
async def get_title(request: Request, title_id: int) -> HTTPResponse:
    return reply(await library.get_title(title_id=title_id))


@bp.post("/admin/library/titles")
@doc(
    summary="新书入藏",
    tag="library",
    body=TitleIn,
    response=TitleOut,
    status=201,
    errors=["forbidden", "conflict"],
    description="ISBN-10 自动转换为 ISBN-13；校验位错误为 400。ISBN 或条码已存在为 409 conflict。",
)
@guard("librarian")
@idempotent(recover=library.title_changed)
async def create_title(request: Request) -> HTTPResponse:
    body = parse_body(request, TitleIn)
    book = library.TitleIn(
        isbn=body.isbn,
        title=body.title,
        author=body.author,
        publisher=body.publisher,
        year=body.year,
        barcodes=body.barcodes,
    )
    return reply(await library.create_title(book=book, now=now(request)), status=201)


@bp.post("/admin/library/titles/<title_id:int>/copies")
@doc(
    summary="为已入藏的图书增加复本（扫条码）",
    tag="library",
    body=CopiesIn,
    response=TitleOut,
    status=201,
    errors=["forbidden", "not_found", "conflict"],
    description="新复本与归还的一册相同：该书有人排队预约时，先为最早的预约保留（ready，并通知）。"
    "条码已存在为 409 conflict（全部不写入）。支持 Idempotency-Key：首次应答丢失后重放返回"
    "该书的当前状态（copies/available/holds 为重放时的数量），不会再次入藏。",
)
@guard("librarian")
@idempotent(recover=library.title_changed)
async def add_copies(request: Request, title_id: int) -> HTTPResponse:
    body = parse_body(request, CopiesIn)
    title = await library.add_copies(title_id=title_id, barcodes=body.barcodes, now=now(request))
    return reply(title, status=201)


# --- loans -------------------------------------------------------------------------


@bp.post("/library/loans")
@doc(
    summary="前台借书（扫条码 + 工号）",
    tag="library",
    body=DeskLoanIn,
    response=LoanOut,
    status=201,
    errors=["forbidden", "not_found", "limit_reached", "invalid_state"],
    description=LOAN_RULES,
)
@guard("librarian")
@idempotent(recover=library.lent)
async def lend(request: Request) -> HTTPResponse:
    body = parse_body(request, DeskLoanIn)
    loan = await library.lend_at_desk(
        barcode=body.barcode, employee_no=body.employee_no, now=now(request)
    )
    return reply(loan, status=201)


@bp.post("/library/loans/self")
@doc(
    summary="书房自助借书（手机扫书上条码）",
    tag="library",
    body=BarcodeIn,
    response=LoanOut,
    status=201,
    errors=["not_found", "limit_reached", "invalid_state"],
    description=LOAN_RULES,
)
@guard()
@idempotent(recover=library.lent)
async def self_checkout(request: Request) -> HTTPResponse:
    body = parse_body(request, BarcodeIn)
    loan = await library.borrow(
        user_id=principal_of(request).user_id,
        barcode=body.barcode,
        channel="self",
        now=now(request),
    )
    return reply(loan, status=201)


@bp.post("/library/returns")
@doc(
    summary="还书入库（扫条码）",
    tag="library",
    body=BarcodeIn,
    response=ReturnOut,
    errors=["forbidden", "not_found", "invalid_state"],
    description="该书有人排队预约时，这一册进入预约书架为队首保留 3 天并通知其本人；否则回到书架。"
    "没有在借记录的一册：409 invalid_state。",
)
@guard("librarian")
async def take_return(request: Request) -> HTTPResponse:
    body = parse_body(request, BarcodeIn)
    return reply(await library.return_copy(barcode=body.barcode, now=now(request)))


@bp.get("/library/loans")
@doc(summary="我的借阅", tag="library", query=PageQuery, response=LoanList)
@guard()
async def my_loans(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    page = await library.list_loans(
        user_id=principal_of(request).user_id,
        limit=query.limit,
        cursor=query.cursor,
        now=now(request),
    )
    return reply(page)


@bp.post("/library/loans/<loan_id:int>/renew")
@doc(
    summary="续借",
    tag="library",
    response=LoanOut,
    errors=["not_found", "limit_reached", "invalid_state"],
    description="从今天起再借 30 天，最多 2 次（409 limit_reached）；逾期或有人排队预约时 409 invalid_state。",
)
@guard()
async def renew(request: Request, loan_id: int) -> HTTPResponse:
    loan = await library.renew(
        user_id=principal_of(request).user_id, loan_id=loan_id, now=now(request)
    )
    return reply(loan)


@bp.get("/library/desk/overdue")
@doc(
    summary="逾期未还清单",
    tag="library",
    query=PageQuery,
    response=OverdueList,
    errors=["forbidden"],
)
@guard("librarian")
async def overdue(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    page = await library.overdue_loans(now=now(request), limit=query.limit, cursor=query.cursor)
    return reply(page)


@bp.post("/library/copies/<barcode:str>/lost")
@doc(
    summary="图书挂失",
    tag="library",
    response=CopyOut,
    errors=["forbidden", "not_found"],
    description="在借的借阅以 lost 结束；为某人保留在预约书架上的这一册挂失后，该预约回到队首等待。",
)
@guard("librarian")
async def mark_lost(request: Request, barcode: str) -> HTTPResponse:
    return reply(await library.mark_lost(barcode=barcode, now=now(request)))


# --- holds -------------------------------------------------------------------------


@bp.get("/library/holds")
@doc(summary="我的预约", tag="library", query=PageQuery, response=HoldList)
@guard()
async def my_holds(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    page = await library.list_holds(
        user_id=principal_of(request).user_id, limit=query.limit, cursor=query.cursor
    )
    return reply(page)


@bp.post("/library/holds")
@doc(
    summary="预约图书",
    tag="library",
    body=HoldIn,
    response=HoldOut,
    status=201,
    errors=["not_found", "conflict", "limit_reached"],
    description="书架上有可借的一册时立即为你保留（ready，保留 3 天）；否则排队（waiting，position 为位次）。"
    "已预约或正在借这本书：409 conflict；最多 3 个有效预约、有逾期时不能预约：409 limit_reached。",
)
@guard()
@idempotent(recover=library.held)
async def place_hold(request: Request) -> HTTPResponse:
    body = parse_body(request, HoldIn)
    hold = await library.place_hold(
        user_id=principal_of(request).user_id, title_id=body.title_id, now=now(request)
    )
    return reply(hold, status=201)


@bp.post("/library/holds/<hold_id:int>/cancel")
@doc(
    summary="取消预约",
    tag="library",
    response=HoldOut,
    errors=["not_found", "invalid_state"],
    description="已为你保留的一册转给队列中的下一位（或回到书架）。",
)
@guard()
async def cancel_hold(request: Request, hold_id: int) -> HTTPResponse:
    hold = await library.cancel_hold(
        user_id=principal_of(request).user_id, hold_id=hold_id, now=now(request)
    )
    return reply(hold)
