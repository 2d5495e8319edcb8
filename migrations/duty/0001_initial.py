from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='DutyDay',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('date', fields.DateField(unique=True)),
                ('open_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('open_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_a', fields.IntField(default=0)),
                ('last_b', fields.IntField(default=0)),
                ('calls', fields.IntField(default=0)),
            ],
            options={'table': 'duty_days', 'app': 'duty', 'pk_attr': 'id', 'table_description': 'A day the station is open: its hours and its ticket and call counters.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DutyService',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=64)),
                ('description', fields.CharField(default='', max_length=512)),
                ('documents', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('minutes', fields.IntField(default=15)),
                ('fee_note', fields.CharField(default='', max_length=128)),
                ('mode', fields.CharField(max_length=16)),
                ('active', fields.BooleanField(default=True)),
                ('resource_id', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'duty_services', 'app': 'duty', 'pk_attr': 'id', 'table_description': 'An errand the station runs: what to bring, how long it takes, what it costs.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DutySlot',
            fields=[
                ('id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('service', fields.ForeignKeyField('duty.DutyService', source_field='service_id', db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.CASCADE)),
                ('day', fields.ForeignKeyField('duty.DutyDay', source_field='day_id', db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.CASCADE)),
                ('start', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('capacity', fields.IntField()),
            ],
            options={'table': 'duty_slots', 'app': 'duty', 'indexes': [Index(fields=['service_id', 'start'])], 'pk_attr': 'id', 'table_description': 'A counter slot of one service on one day. Its id is the booking engine slot id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Appointment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('identity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='duty_appointments', on_delete=OnDelete.CASCADE)),
                ('service', fields.ForeignKeyField('duty.DutyService', source_field='service_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.RESTRICT)),
                ('slot', fields.ForeignKeyField('duty.DutySlot', source_field='slot_id', null=True, db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=16)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('date', fields.DateField(db_index=True)),
                ('ticket_no', fields.CharField(null=True, max_length=8)),
                ('counter', fields.IntField(null=True)),
                ('reservation_id', fields.IntField(null=True, unique=True)),
                ('document_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('note', fields.CharField(default='', max_length=256)),
                ('info_note', fields.CharField(default='', max_length=256)),
                ('result_note', fields.CharField(default='', max_length=512)),
                ('fee_fen', fields.IntField(null=True)),
                ('live_key', fields.CharField(null=True, unique=True, max_length=32)),
                ('queue_class', fields.IntField(default=1)),
                ('queued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('called_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('call_seq', fields.IntField(null=True)),
                ('called_by', fields.ForeignKeyField('identity.User', source_field='called_by_id', null=True, db_constraint=True, to_field='id', related_name='duty_calls', on_delete=OnDelete.SET_NULL)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_day_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_soon_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'duty_appointments', 'app': 'duty', 'unique_together': (('date', 'ticket_no'),), 'indexes': [Index(fields=['date', 'status']), Index(fields=['user_id', 'status'])], 'pk_attr': 'id', 'table_description': 'One person at the station: an appointment booked, a number walked in, an errand handed in.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DutyRating',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('appointment', fields.OneToOneField('duty.Appointment', source_field='appointment_id', db_constraint=True, to_field='id', related_name='rating', on_delete=OnDelete.CASCADE)),
                ('service_id', fields.IntField()),
                ('score', fields.IntField()),
                ('comment', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'duty_ratings', 'app': 'duty', 'pk_attr': 'id', 'table_description': 'A rating of a finished appointment, given once and counted in the satisfaction score.'},
            bases=['Model'],
        ),
    ]
