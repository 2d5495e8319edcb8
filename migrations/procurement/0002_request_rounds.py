from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('procurement', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='PurchaseRequest',
            name='round',
            field=fields.IntField(default=1),
        ),
        ops.AddField(
            model_name='RequestStep',
            name='round',
            field=fields.IntField(default=1),
        ),
    ]
