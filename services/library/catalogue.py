"""The catalogue: ISBNs, titles and copies, search, and the CSV import of the old catalogue."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import InvalidChecksum, ValidationError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from models.library import Copy, Title
from server import batches, pagination
from server.errors import Conflict, InvalidInput, NotFound
from server.tx import transaction
from services.library.common import BARCODE, checked_id, lock_title, title_out, titles_out
from services.library.queue import serve_shelf
from services.library.shapes import TitlePage, TitleView

IMPORT_COLUMNS = ("isbn", "title", "author", "publisher", "year", "barcodes")


# --- ISBN ----------------------------------------------------------------------------


def normalise_isbn(raw: str) -> str:
    """Any valid form (ISBN-10 or -13, hyphens, spaces) → the ISBN-13 digits we store."""
    try:
        valid = stdnum_isbn.validate(raw)
    except InvalidChecksum:
        raise InvalidInput({"isbn": "ISBN 校验位错误"}) from None
    except ValidationError:
        raise InvalidInput({"isbn": "不是有效的 ISBN"}) from None
    return str(stdnum_isbn.to_isbn13(valid))


def isbn_or_none(raw: str) -> str | None:
    try:
        return normalise_isbn(raw)
    except InvalidInput:
        return None


# --- titles --------------------------------------------------------------------------


@dataclass
class TitleIn:
    isbn: str
    title: str
    author: str = ""
    publisher: str = ""
    year: int | None = None
    barcodes: list[str] = field(default_factory=list)


def _check_barcodes(barcodes: list[str]) -> list[str]:
    cleaned = [code.strip() for code in barcodes]
    bad = [code for code in cleaned if not BARCODE.match(code)]
    if bad:
        raise InvalidInput({"barcodes": f"条码只能是 1–32 位字母、数字或连字符：{bad[0]}"})
    if len(set(cleaned)) != len(cleaned):
        raise InvalidInput({"barcodes": "条码重复"})
    return cleaned


async def create_title(*, book: TitleIn, now: datetime) -> TitleView:
    """A new catalogue entry with its copies; a known ISBN or barcode is a conflict."""
    isbn13 = normalise_isbn(book.isbn)
    barcodes = _check_barcodes(book.barcodes)
    try:
        async with transaction() as tx:
            if await Title.filter(isbn=isbn13).using_db(tx.conn).exists():
                raise Conflict("该 ISBN 的图书已在馆藏中", details={"isbn": isbn13})
            taken = await Copy.filter(barcode__in=barcodes).using_db(tx.conn).first()
            if taken is not None:
                raise Conflict("条码已被使用", details={"barcode": taken.barcode})
            title = await Title.create(
                using_db=tx.conn,
                isbn=isbn13,
                title=book.title,
                author=book.author,
                publisher=book.publisher,
                year=book.year,
            )
            for code in barcodes:
                await Copy.create(using_db=tx.conn, barcode=code, title_id=title.id)
            tx.created(title.id)
    except IntegrityError:  # a concurrent request took the ISBN or a barcode first
        raise Conflict("该 ISBN 或条码已在馆藏中") from None
    return await title_out(title)


async def title_changed(*, user_id: int, ref: str, now: datetime) -> TitleView:
    """The title a committed `create_title` or `add_copies` made or added to, as it is
    now (copies, shelf and holds counted now): the answer to a replay whose first answer
    was lost."""
    return await title_out(await Title.get(id=int(ref)))


async def add_copies(*, title_id: int, barcodes: list[str], now: datetime) -> TitleView:
    """New copies of a title already in the catalogue. Each new copy is a free copy:
    the oldest waiting hold of the title gets it first, as with a returned one."""
    codes = _check_barcodes(barcodes)
    checked_id(title_id, "图书")
    try:
        async with transaction() as tx:
            title = await lock_title(tx, title_id)
            taken = await Copy.filter(barcode__in=codes).using_db(tx.conn).first()
            if taken is not None:
                raise Conflict("条码已被使用", details={"barcode": taken.barcode})
            for code in codes:
                await Copy.create(using_db=tx.conn, barcode=code, title_id=title.id)
            tx.created(title.id)
            await serve_shelf(tx, title=title, now=now)
    except IntegrityError:  # a concurrent request took a barcode first
        raise Conflict("条码已被使用") from None
    return await title_out(title)


async def get_title(*, title_id: int) -> TitleView:
    title = await Title.get_or_none(id=checked_id(title_id, "图书"))
    if title is None:
        raise NotFound("图书不存在")
    return await title_out(title)


def search_filter(q: str) -> Q:
    """Title or author containing q, or the ISBN in any form (also a run of its digits)."""
    text = q.strip()
    condition = Q(title__icontains=text) | Q(author__icontains=text)
    isbn13 = isbn_or_none(text)
    if isbn13 is not None:
        condition |= Q(isbn=isbn13)
    digits = re.sub(r"[\s-]", "", text)
    if len(digits) >= 4 and digits.isdigit():
        condition |= Q(isbn__contains=digits)
    return condition


async def search_titles(*, q: str | None, limit: int, cursor: str | None) -> TitlePage:
    """Titles matching q (all titles without q), in catalogue order."""
    query = Title.all()
    if q and q.strip():
        query = query.filter(search_filter(q))
    rows, next_cursor = await pagination.page(query, limit=limit, cursor=cursor, oldest_first=True)
    return TitlePage(items=await titles_out(rows), next_cursor=next_cursor)


# --- import --------------------------------------------------------------------------


@dataclass
class ImportReport:
    titles_created: int = 0
    copies_created: int = 0
    rows_unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class RowError(Exception):
    """A bad row: reported with its line number, nothing of it imported."""


def parse_row(row: dict[str, str | None]) -> TitleIn:
    def text(name: str, limit: int) -> str:
        value = (row.get(name) or "").strip()
        if len(value) > limit or "\x00" in value:
            raise RowError(f"{name} 太长或含非法字符")
        return value

    try:
        isbn13 = normalise_isbn(text("isbn", 32))
    except InvalidInput as exc:
        raise RowError(f"isbn {exc.details['fields']['isbn']}") from None
    title = text("title", 200)
    if not title:
        raise RowError("title 不能为空")
    year_text = text("year", 4)
    if year_text and not (year_text.isdigit() and 1000 <= int(year_text) <= 2999):
        raise RowError("year 应为四位年份")
    codes = [code for code in re.split(r"[|;\s]+", text("barcodes", 2000)) if code]
    try:
        codes = _check_barcodes(codes)
    except InvalidInput as exc:
        raise RowError(str(exc.details["fields"]["barcodes"])) from None
    return TitleIn(
        isbn=isbn13,
        title=title,
        author=text("author", 200),
        publisher=text("publisher", 200),
        year=int(year_text) if year_text else None,
        barcodes=codes,
    )


async def _import_row(book: TitleIn, report: ImportReport) -> None:
    """One row, all or nothing: its title (if new) and each of its copies (if new)."""
    async with transaction() as tx:
        title = await Title.filter(isbn=book.isbn).using_db(tx.conn).first()
        created = title is None
        if title is None:
            title = await Title.create(
                using_db=tx.conn,
                isbn=book.isbn,
                title=book.title,
                author=book.author,
                publisher=book.publisher,
                year=book.year,
            )
        new_copies = 0
        for code in book.barcodes:
            copy = await Copy.filter(barcode=code).using_db(tx.conn).first()
            if copy is None:
                await Copy.create(using_db=tx.conn, barcode=code, title_id=title.id)
                new_copies += 1
            elif copy.title_id != title.id:
                raise RowError(f"条码 {code} 已属于另一本书")
    report.titles_created += int(created)
    report.copies_created += new_copies
    report.rows_unchanged += int(not created and not new_copies)


async def import_books(
    *, text: str, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Import the existing catalogue: idempotent, a bad row reported by its line and skipped.

    Rows go in batches (server.batches): one lookup of the batch's ISBNs and barcodes,
    one insert of its new titles and one of its new copies, in one transaction, so
    100,000 books take seconds and no statement passes the driver's argument limit.
    A row is still all or nothing: a row whose barcode belongs to another title is
    reported and none of it is written. `progress(done, total)` is called per batch.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [name for name in IMPORT_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput({"header": f"缺少列：{', '.join(missing)}"})
    report = ImportReport()
    parsed: list[tuple[int, TitleIn]] = []
    for row in reader:
        try:
            parsed.append((reader.line_num, parse_row(row)))
        except RowError as exc:
            report.errors.append((reader.line_num, str(exc)))
    done = 0
    for part in batches.chunks(parsed):
        try:
            await _import_batch(part, report)
        except IntegrityError:  # a concurrent writer took an ISBN or barcode: row by row
            for line, book in part:
                try:
                    await _import_row(book, report)
                except RowError as exc:
                    report.errors.append((line, str(exc)))
        done += len(part)
        if progress is not None:
            progress(done, len(parsed))
    report.errors.sort()
    return report


async def _import_batch(part: Sequence[tuple[int, TitleIn]], report: ImportReport) -> None:
    """One batch of parsed rows in one transaction; the counts are added once it commits."""
    isbns = list({book.isbn for _, book in part})
    codes = list({code for _, book in part for code in book.barcodes})
    created = ImportReport()
    async with transaction() as tx:
        title_of: dict[str, int] = dict(
            await Title.filter(isbn__in=isbns).using_db(tx.conn).values_list("isbn", "id")
        )
        owner: dict[str, int | str] = {}  # barcode -> title id, or the ISBN of a new title
        for batch in batches.chunks(codes):
            for code, title_id in (
                await Copy.filter(barcode__in=batch)
                .using_db(tx.conn)
                .values_list("barcode", "title_id")
            ):
                owner[str(code)] = int(title_id)
        new_titles: dict[str, TitleIn] = {}
        new_copies: list[tuple[str, str]] = []  # (barcode, isbn)
        for line, book in part:
            mine: int | str = title_of.get(book.isbn, book.isbn)
            taken = [c for c in book.barcodes if c in owner and owner[c] != mine]
            if taken:
                created.errors.append((line, f"条码 {taken[0]} 已属于另一本书"))
                continue
            fresh = [c for c in book.barcodes if c not in owner]
            is_new = book.isbn not in title_of and book.isbn not in new_titles
            if is_new:
                new_titles[book.isbn] = book
            for code in fresh:
                owner[code] = mine
                new_copies.append((code, book.isbn))
            created.titles_created += int(is_new)
            created.copies_created += len(fresh)
            created.rows_unchanged += int(not is_new and not fresh)
        if new_titles:
            await Title.bulk_create(
                [
                    Title(
                        isbn=b.isbn,
                        title=b.title,
                        author=b.author,
                        publisher=b.publisher,
                        year=b.year,
                    )
                    for b in new_titles.values()
                ],
                batch_size=batches.IN_BATCH,
                using_db=tx.conn,
            )
            title_of.update(
                await Title.filter(isbn__in=list(new_titles))
                .using_db(tx.conn)
                .values_list("isbn", "id")
            )
        if new_copies:
            await Copy.bulk_create(
                [Copy(barcode=code, title_id=title_of[isbn]) for code, isbn in new_copies],
                batch_size=batches.IN_BATCH,
                using_db=tx.conn,
            )
    report.titles_created += created.titles_created
    report.copies_created += created.copies_created
    report.rows_unchanged += created.rows_unchanged
    report.errors.extend(created.errors)
