"""Survey responses name no one: each row moves to assessment_survey_replies under a
keyed hash of person and survey instead of the user id, with its day instead of its time,
and the table that named people is dropped (API.md §11: answers are anonymous)."""

import hashlib
import hmac
from datetime import datetime

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

def respondent_key(secret_key: str, survey_id: int, user_id: int) -> str:
    """As services.assessment.surveys.respondent_key computes it (frozen here)."""
    message = f"survey-respondent:{survey_id}:{user_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


async def unlink(apps, schema_editor):
    """Copy every stored response under its hash and day; the answers are copied inside
    the database (whatever its JSON type), in hash order so row order tells nothing."""
    from server.config import load_settings

    client = schema_editor.client
    rows = await client.execute_query_dict(
        "SELECT id, survey_id, user_id, submitted_at FROM assessment_survey_responses"
    )
    if not rows:
        return
    settings = load_settings()
    postgres = client.capabilities.dialect == "postgres"
    marks = ("$1", "$2", "$3") if postgres else ("?", "?", "?")
    sql = (
        "INSERT INTO assessment_survey_replies (survey_id, respondent, answers, submitted_on) "
        f"SELECT survey_id, {marks[0]}, answers, {marks[1]} "
        f"FROM assessment_survey_responses WHERE id = {marks[2]}"
    )
    moved = []
    for row in rows:
        moment = row["submitted_at"]
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        day = moment.astimezone(settings.tz).date()
        key = respondent_key(settings.secret_key, int(row["survey_id"]), int(row["user_id"]))
        moved.append((key, day if postgres else day.isoformat(), row["id"]))
    for key, day, old_id in sorted(moved):
        await client.execute_query(sql, [key, day, old_id])


class Migration(migrations.Migration):
    dependencies = [('assessment', '0001_initial'), ('identity', '0001_initial'), ('meals', '0002_menu_withdrawn_at')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SurveyReply',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('assessment.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name='replies', on_delete=OnDelete.CASCADE)),
                ('respondent', fields.CharField(max_length=64)),
                ('answers', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('submitted_on', fields.DateField()),
            ],
            options={'table': 'assessment_survey_replies', 'app': 'assessment', 'unique_together': (('survey', 'respondent'),), 'pk_attr': 'id', 'table_description': 'That someone answered a survey (once, by the unique key) and their own copy of it.'},
            bases=['Model'],
        ),
        ops.RunPython(unlink),
        ops.DeleteModel(name='SurveyResponse'),
    ]
