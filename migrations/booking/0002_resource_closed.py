from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('booking', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Resource',
            name='closed',
            field=fields.BooleanField(default=False),
        ),
    ]
