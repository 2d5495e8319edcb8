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
from models.uploads import Upload
from server.errors import InvalidInput, NotFound
from server.tx import Tx
from services import uploads
from services.assessment.common import is_inspector, teams_of_contact
from services.identity import Principal

MAX_PHOTOS = 9


async def take(
    tx: Tx, *, photo_ids: list[int], owner_id: int, team: Team, field: str, now: datetime
) -> None:
    """Move the caller's own unattached photos into this domain, in `tx`."""
    if len(set(photo_ids)) > MAX_PHOTOS:
        raise InvalidInput({field: f"最多 {MAX_PHOTOS} 张图片"})
    for upload in await uploads.take(tx, photo_ids, owner_id=owner_id, field=field):
        await Photo.create(
            using_db=tx.conn,
            id=upload.id,
            owner_id=owner_id,
            team_id=team.id,
            file_name=upload.file_name,
            content_type=upload.content_type,
            created_at=now,
        )


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
