"""Photo uploads (API.md §5 POST /uploads) and serving them to who may see their ticket."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request

from server.auth import guard, principal_of
from server.errors import InvalidInput, UnsupportedMediaType
from server.http import doc, has_multipart_boundary, now, reply
from server.idempotency import idempotent
from services import uploads

bp = Blueprint("uploads", url_prefix="/api/v1")


UploadOut = uploads.Stored  # the service's result, documented as it is (server/wire.py)


@bp.post("/uploads")
@doc(
    summary="上传图片或 PDF（报修照片、采购报价单）",
    tag="repairs",
    response=UploadOut,
    status=201,
    errors=["invalid_input", "payload_too_large", "unsupported_media_type", "rate_limited"],
    description="multipart/form-data，字段 file。按内容识别 JPEG/PNG/WebP 或 PDF（不信任文件名和声明类型），"
    "不超过 5 MB；图片会重新编码以去除 EXIF 等元数据（含拍摄位置）。PDF 只能用作采购申请的附件"
    "（attachment_ids），报修单只接受图片；PDF 的 width/height 为 0。",
)
@guard()
@idempotent(recover=uploads.stored)
async def upload(request: Request) -> HTTPResponse:
    if not has_multipart_boundary(request):
        raise UnsupportedMediaType("请使用 multipart/form-data 上传，字段名为 file")
    file = request.files.get("file") if request.files else None
    if file is None:
        raise InvalidInput({"file": "必填"})
    stored = await uploads.store(
        owner_id=principal_of(request).user_id, data=file.body, now=now(request)
    )
    return reply(stored, status=201)


@bp.get("/uploads/<upload_id:int>")
@doc(
    summary="查看图片或 PDF 附件",
    tag="repairs",
    response={"type": "string", "format": "binary"},
    content_type="image/*",
    errors=["not_found"],
    description="只有能查看该报修单或采购申请的人（或上传者本人，在被使用之前）可以查看，其他人 404。",
)
@guard()
async def show(request: Request, upload_id: int) -> HTTPResponse:
    photo, data = await uploads.visible(upload_id=upload_id, principal=principal_of(request))
    return HTTPResponse(
        data,
        content_type=photo.content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )
