from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('meetings', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Room',
            name='closed',
            field=fields.BooleanField(default=False),
        ),
    ]
