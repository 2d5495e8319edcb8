from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('procurement', '0001_initial'), ('repairs', '0001_initial')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Upload',
            options={'table': 'repair_uploads', 'app': 'repairs', 'pk_attr': 'id', 'table_description': 'An uploaded photo (re-encoded without metadata) or PDF, under a random file name.'},
        ),
        ops.AddField(
            model_name='Upload',
            name='purchase_request',
            field=fields.ForeignKeyField('procurement.PurchaseRequest', source_field='purchase_request_id', null=True, db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.SET_NULL),
        ),
    ]
