from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('procurement', '0001_initial'), ('repairs', '0003_upload_moves_to_uploads')]

    initial = False

    operations = [
        ops.AddField(
            model_name='TicketEvent',
            name='photo_ids',
            field=fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
