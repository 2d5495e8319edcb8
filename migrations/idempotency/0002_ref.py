from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('idempotency', '0001_initial')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='IdempotencyRecord',
            options={'table': 'idempotency_records', 'app': 'idempotency', 'unique_together': (('user_id', 'route', 'key_digest'),), 'pk_attr': 'id', 'table_description': 'One key of one user on one route, written by the transaction that created its object.'},
        ),
        ops.AddField(
            model_name='IdempotencyRecord',
            name='ref',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
