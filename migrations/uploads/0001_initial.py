from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

from migrations import StateOnly


class Migration(migrations.Migration):
    """The uploads app takes over the repairs app's Upload model with its rows: the state
    is created as it was, then the table renamed (repair_uploads → uploads)."""

    dependencies = [
        ('identity', '0001_initial'),
        ('procurement', '0001_initial'),
        ('repairs', '0003_upload_moves_to_uploads'),
    ]

    initial = True

    operations = [
        StateOnly(ops.CreateModel(
            name='Upload',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='uploads', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('repairs.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.SET_NULL)),
                ('purchase_request', fields.ForeignKeyField('procurement.PurchaseRequest', source_field='purchase_request_id', null=True, db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.SET_NULL)),
                ('file_name', fields.CharField(unique=True, max_length=64)),
                ('content_type', fields.CharField(max_length=32)),
                ('size', fields.IntField()),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'repair_uploads', 'app': 'uploads', 'pk_attr': 'id', 'table_description': 'An uploaded photo (re-encoded without metadata) or PDF, under a random file name.'},
            bases=['Model'],
        )),
        ops.AlterModelOptions(
            name='Upload',
            options={'table': 'uploads', 'app': 'uploads', 'pk_attr': 'id', 'table_description': 'An uploaded photo (re-encoded without metadata) or PDF, under a random file name.'},
        ),
        ops.RunSQL(
            'ALTER TABLE "repair_uploads" RENAME TO "uploads"',
            reverse_sql='ALTER TABLE "uploads" RENAME TO "repair_uploads"',
        ),
    ]
