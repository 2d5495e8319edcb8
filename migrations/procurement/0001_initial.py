from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='PurchaseRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('department', fields.CharField(db_index=True, max_length=128)),
                ('requester', fields.ForeignKeyField('identity.User', source_field='requester_id', db_constraint=True, to_field='id', related_name='purchase_requests', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=128)),
                ('reason', fields.TextField(unique=False)),
                ('category', fields.CharField(max_length=16)),
                ('items', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('total_fen', fields.BigIntField()),
                ('status', fields.CharField(default='pending_dept', db_index=True, max_length=24)),
                ('waiting_since', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('supplier', fields.CharField(default='', max_length=128)),
                ('amount_fen', fields.BigIntField(null=True)),
                ('ordered_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('received_note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'procurement_requests', 'app': 'procurement', 'pk_attr': 'id', 'table_description': 'A department request for goods and where it is in approval, ordering and receipt.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RequestStep',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request', fields.ForeignKeyField('procurement.PurchaseRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='steps', on_delete=OnDelete.RESTRICT)),
                ('role', fields.CharField(max_length=16)),
                ('action', fields.CharField(max_length=16)),
                ('actor', fields.ForeignKeyField('identity.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='purchase_steps', on_delete=OnDelete.RESTRICT)),
                ('comment', fields.TextField(default='', unique=False)),
                ('decided_stage', fields.CharField(null=True, max_length=16)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'procurement_steps', 'app': 'procurement', 'unique_together': (('request', 'decided_stage'),), 'pk_attr': 'id', 'table_description': 'One entry of the append-only audit trail of a request. Rows are never updated.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StepReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request', fields.ForeignKeyField('procurement.PurchaseRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='reminders', on_delete=OnDelete.CASCADE)),
                ('stage', fields.CharField(max_length=16)),
                ('day', fields.DateField()),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'procurement_reminders', 'app': 'procurement', 'unique_together': (('request', 'stage', 'day'),), 'pk_attr': 'id', 'table_description': 'A reminder sent for a waiting stage on one service day. Unique, so once a day.'},
            bases=['Model'],
        ),
    ]
