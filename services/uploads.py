"""Uploads (API.md §5 POST /uploads): photos for repair tickets and inspections, photos
and PDF quotes for purchase requests (§12).

An upload is its uploader's until what it was uploaded for takes it (`take`, in the
transaction that creates the ticket, request or inspection): one rule for every domain,
so an upload can be taken once, by its owner, and only as a kind its taker accepts.

The content decides what a file is: Pillow must open it as JPEG, PNG or WebP, or it
must be a well-formed PDF (see `check_pdf`), whatever its name or declared type say. Every image is decoded and drawn onto a fresh canvas
before it is stored, so no EXIF (GPS position of a phone photo), XMP, comments or
anything hidden after the image data survives. Files get random names; who may read
one is decided by the ticket or request it belongs to (services.repairs,
services.procurement), never by its name. A PDF cannot be re-encoded; it is kept as sent
and always served with its own content type and `nosniff`.
"""

from __future__ import annotations

import asyncio
import io
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel

from models import could_exist
from models.uploads import Upload
from server import resources
from server.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from server.logs import get_logger
from server.tx import Tx, transaction
from server.wire import UploadLink
from services import ratelimit
from services.identity import Principal

log = get_logger("uploads")

MAX_BYTES = 5 * 1024 * 1024
# Decoded size limit: a small file may still decode into a huge bitmap (a "pixel bomb").
MAX_PIXELS = 40_000_000
# Long edge kept: enough to see a broken socket, and phone photos shrink a lot.
MAX_EDGE = 2560
# Pillow name → (content type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
UPLOADS_PER_WINDOW = 30
WINDOW_S = 600
# Photos never attached to a ticket are removed after this.
ORPHAN_AFTER = timedelta(hours=24)
PDF = "application/pdf"
# What each taker accepts: photos everywhere, PDF quotes on purchase requests too.
PHOTO_TYPES = frozenset(content_type for content_type, _ in FORMATS.values())
DOCUMENT_TYPES = PHOTO_TYPES | {PDF}
# `%PDF-1.0`…`%PDF-1.7` or `%PDF-2.0`, then an end of line: the header of every PDF.
PDF_HEADER = re.compile(rb"%PDF-(1\.[0-7]|2\.0)[\r\n]")
# The trailer: `startxref <offset>` then `%%EOF`, within the last bytes of the file.
PDF_TRAILER = re.compile(rb"startxref\s+(\d{1,10})\s+%%EOF\s*$")
PDF_TAIL = 2048


@dataclass(frozen=True)
class Encoded:
    data: bytes
    format: str
    width: int
    height: int


class Stored(BaseModel):
    """An upload as its uploader sees it; `url` is its id, written as its path."""

    id: int
    url: UploadLink
    content_type: str
    size: int
    width: int
    height: int


def reencode(data: bytes) -> Encoded:
    """Decode and re-encode an image, dropping every piece of metadata.

    Raises UnsupportedMediaType for anything that is not a readable JPEG/PNG/WebP and
    PayloadTooLarge for images whose bitmap would be too large to handle.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                source_format = str(image.format)
                if image.width * image.height > MAX_PIXELS:
                    raise PayloadTooLarge("图片像素过大", details={"max_pixels": MAX_PIXELS})
                image.load()
                upright = ImageOps.exif_transpose(image) or image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PayloadTooLarge("图片像素过大", details={"max_pixels": MAX_PIXELS}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise UnsupportedMediaType("仅支持 JPEG、PNG 或 WebP 格式的图片") from None

    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if has_alpha and source_format != "JPEG" else "RGB"
    converted = upright.convert(mode)
    converted.thumbnail((MAX_EDGE, MAX_EDGE))
    # A fresh canvas has an empty `info`: nothing of the original's metadata is carried.
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    out = io.BytesIO()
    if source_format == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    elif source_format == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    return Encoded(out.getvalue(), source_format, clean.width, clean.height)


def check_pdf(data: bytes) -> None:
    """Accept only what parses as a PDF: header line, trailer, and a cross-reference
    section (a table or an xref stream object) where the trailer says it is.

    Raises UnsupportedMediaType for anything else, whatever it is called.
    """
    trailer = PDF_TRAILER.search(data[-PDF_TAIL:])
    if not PDF_HEADER.match(data) or trailer is None:
        raise UnsupportedMediaType("不是有效的 PDF 文件")
    offset = int(trailer.group(1))
    xref = data[offset : offset + 32] if 0 < offset < len(data) else b""
    if not (xref.startswith(b"xref") or re.match(rb"\d+\s+\d+\s+obj", xref)):
        raise UnsupportedMediaType("不是有效的 PDF 文件")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)


async def store(*, owner_id: int, data: bytes, now: datetime) -> Stored:
    """Check, clean and keep one uploaded photo; it is the uploader's until a ticket takes it."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge("图片不能超过 5 MB", details={"max_bytes": MAX_BYTES})
    if not data:
        raise InvalidInput({"file": "文件为空"})
    # Bounds the disk and CPU one account can take; a report needs a handful of photos.
    await ratelimit.hit(key=f"uploads:{owner_id}", limit=UPLOADS_PER_WINDOW, window_s=WINDOW_S)
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        encoded = Encoded(data, "PDF", 0, 0)
        content_type, extension = PDF, "pdf"
    else:
        # Decoding is CPU work: off the event loop so other requests keep flowing.
        encoded = await asyncio.to_thread(reencode, data)
        content_type, extension = FORMATS[encoded.format]
    file_name = f"{secrets.token_urlsafe(18)}.{extension}"
    path = resources.settings().uploads_path / file_name
    await asyncio.to_thread(_write, path, encoded.data)
    try:
        async with transaction() as tx:
            upload = await Upload.create(
                using_db=tx.conn,
                owner_id=owner_id,
                file_name=file_name,
                content_type=content_type,
                size=len(encoded.data),
                width=encoded.width,
                height=encoded.height,
                created_at=now,
            )
            tx.created(upload.id)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _stored(upload)


async def stored(*, user_id: int, ref: str, now: datetime) -> Stored:
    """The upload a committed `store` kept: the answer to a replay whose first answer
    was lost (nothing is stored or counted against the upload limit again)."""
    return _stored(await Upload.get(id=int(ref), owner_id=user_id))


def _stored(upload: Upload) -> Stored:
    return Stored(
        id=upload.id,
        url=upload.id,
        content_type=upload.content_type,
        size=upload.size,
        width=upload.width,
        height=upload.height,
    )


async def take(
    tx: Tx,
    ids: list[int],
    *,
    owner_id: int,
    kinds: frozenset[str] = PHOTO_TYPES,
    field: str,
    ticket_id: int | None = None,
    purchase_request_id: int | None = None,
    duty_appointment_id: int | None = None,
) -> list[Upload]:
    """The caller's own unattached uploads `ids` of the content types `kinds`, taken in
    `tx`: linked to the ticket, the purchase request or the duty appointment named, or,
    when none is named, removed from this table for the taker to keep in its own
    (assessment photos).

    400 on `field`, and nothing taken, when any of them does not exist, is someone
    else's, was taken already (also by a concurrent action: the change is conditional)
    or is of another type (a PDF quote is not a photo). Repeated ids count once.
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    free = Upload.filter(
        id__in=wanted,
        owner_id=owner_id,
        ticket_id=None,
        purchase_request_id=None,
        duty_appointment_id=None,
        content_type__in=sorted(kinds),
    ).using_db(tx.conn)
    rows = await free
    link = {
        "ticket_id": ticket_id,
        "purchase_request_id": purchase_request_id,
        "duty_appointment_id": duty_appointment_id,
    }
    link = {name: value for name, value in link.items() if value is not None}
    taken = 0
    if len(rows) == len(wanted):  # then taken conditionally: a concurrent taker wins or loses
        taken = await (free.update(**link) if link else free.delete())
    if taken != len(wanted):
        what = "附件" if PDF in kinds else "图片"
        raise InvalidInput({field: f"{what}不存在、不属于你或已被使用"})
    return rows


async def read(*, upload: Upload) -> bytes:
    """The stored bytes of an upload the caller was already allowed to see."""
    path = resources.settings().uploads_path / upload.file_name
    try:
        return await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        log.warning("upload %s has no file %s", upload.id, upload.file_name)
        raise NotFound("图片不存在") from None


async def visible(*, upload_id: int, principal: Principal) -> tuple[Upload, bytes]:
    """An upload for whoever may see what it is attached to; 404 for everyone else.

    A quote attached to a purchase request follows the request's visibility, a document
    handed in at the duty station its appointment's (owner and clerks); anything else
    follows the repair rules (its ticket, or its uploader before one takes it).
    """
    from services import procurement, repairs  # they import this module
    from services.duty import documents as duty_documents

    upload = await Upload.get_or_none(id=upload_id) if could_exist(upload_id) else None
    if upload is not None and upload.duty_appointment_id is not None:
        if not await duty_documents.may_read(upload=upload, principal=principal):
            raise NotFound("文件不存在")
        return upload, await read(upload=upload)
    if upload is None or upload.purchase_request_id is None:
        return await repairs.photo(upload_id=upload_id, principal=principal)
    await procurement.attachment(upload=upload, principal=principal)
    return upload, await read(upload=upload)


async def remove_orphans(*, now: datetime) -> int:
    """Delete uploads never attached to a ticket, request or appointment (abandoned)."""
    unattached = {"ticket_id": None, "purchase_request_id": None, "duty_appointment_id": None}
    stale = await Upload.filter(**unattached, created_at__lte=now - ORPHAN_AFTER).limit(500)
    for upload in stale:
        deleted = await Upload.filter(id=upload.id, **unattached).delete()
        if deleted:
            path = resources.settings().uploads_path / upload.file_name
            await asyncio.to_thread(path.unlink, True)
    return len(stale)
