"""Photos of inspections and rectifications.

They are uploaded through POST /uploads like repair photos. Attaching one to an
inspection or a rectification moves it into this domain (its own row, same id and
file, the upload row deleted in the same transaction), so the uploads' orphan sweep
never removes it and who may see it is decided by the team it documents.
"""

from __future__ import annotations

from datetime import datetime

from models import could_exist
from models.assessment import Photo, Team
from models.repairs import Upload
from server.errors import InvalidInput, NotFound
from services import uploads
from services.assessment.common import is_inspector, teams_of_contact
from services.identity import Principal

MAX_PHOTOS = 9


async def take(
    *, photo_ids: list[int], owner_id: int, team: Team, field: str, now: datetime
) -> None:
    """Move the caller's own unattached uploads into this domain (inside the caller's tx)."""
    wanted = list(dict.fromkeys(photo_ids))
    if not wanted:
        return
    if len(wanted) > MAX_PHOTOS:
        raise InvalidInput({field: f"最多 {MAX_PHOTOS} 张图片"})
    rows = await Upload.filter(id__in=wanted, owner_id=owner_id, ticket_id=None)
    if len(rows) != len(wanted):
        raise InvalidInput({field: "图片不存在、不属于你或已被使用"})
    for upload in rows:
        await Photo.create(
            id=upload.id,
            owner_id=owner_id,
            team_id=team.id,
            file_name=upload.file_name,
            content_type=upload.content_type,
            created_at=now,
        )
    deleted = await Upload.filter(id__in=wanted, owner_id=owner_id, ticket_id=None).delete()
    if deleted != len(wanted):  # a repair ticket took one meanwhile: undo everything
        raise InvalidInput({field: "图片不存在、不属于你或已被使用"})


async def read(*, photo_id: int, principal: Principal) -> tuple[str, bytes]:
    """A photo for inspectors, admins and the contacts of its team; 404 for anyone else."""
    photo = await Photo.get_or_none(id=photo_id) if could_exist(photo_id) else None
    if photo is None:
        raise NotFound("图片不存在")
    team_id: int = photo.team_id
    if not is_inspector(principal) and team_id not in await teams_of_contact(principal):
        raise NotFound("图片不存在")
    upload = Upload(file_name=photo.file_name, content_type=photo.content_type)
    return photo.content_type, await uploads.read(upload=upload)
