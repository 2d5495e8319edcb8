from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Resource',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.CharField(max_length=32)),
                ('ref_id', fields.IntField()),
                ('name', fields.CharField(max_length=128)),
                ('capacity', fields.IntField(default=1)),
                ('consecutive', fields.BooleanField(default=False)),
                ('per_user_limit', fields.IntField(null=True)),
                ('one_per_user_per_slot', fields.BooleanField(default=True)),
                ('waitlist', fields.BooleanField(default=False)),
                ('hold_ttl_s', fields.IntField(null=True)),
                ('full_code', fields.CharField(default='slot_full', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'booking_resource', 'app': 'booking', 'indexes': [Index(fields=['domain', 'ref_id'])], 'pk_attr': 'id', 'table_description': 'A bookable thing of a domain with its policy (capacity, runs, limits, waitlist).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Counter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resource', fields.ForeignKeyField('booking.Resource', source_field='resource_id', db_constraint=True, to_field='id', related_name='counters', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('limit', fields.IntField()),
            ],
            options={'table': 'booking_counter', 'app': 'booking', 'unique_together': (('resource', 'name'),), 'pk_attr': 'id', 'table_description': 'An extra stock (a dish) that reservations of a resource take from atomically.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reservation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resource', fields.ForeignKeyField('booking.Resource', source_field='resource_id', db_constraint=True, to_field='id', related_name='reservations', on_delete=OnDelete.CASCADE)),
                ('user_id', fields.IntField(db_index=True)),
                ('slot_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('quantity', fields.IntField(default=1)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('idempotency_key', fields.CharField(null=True, max_length=128)),
                ('counters', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('wait_seq', fields.BigIntField(null=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'booking_reservation', 'app': 'booking', 'unique_together': (('resource', 'user_id', 'idempotency_key'), ('resource', 'wait_seq')), 'pk_attr': 'id', 'table_description': 'One booking of a user: one slot or a run of consecutive slots.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Slot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resource', fields.ForeignKeyField('booking.Resource', source_field='resource_id', db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.CASCADE)),
                ('start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('capacity', fields.IntField()),
            ],
            options={'table': 'booking_slot', 'app': 'booking', 'unique_together': (('resource', 'start'),), 'pk_attr': 'id', 'table_description': 'A time slot of a resource with its number of places.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Occupancy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reservation', fields.ForeignKeyField('booking.Reservation', source_field='reservation_id', db_constraint=True, to_field='id', related_name='occupancies', on_delete=OnDelete.CASCADE)),
                ('slot', fields.ForeignKeyField('booking.Slot', source_field='slot_id', db_constraint=True, to_field='id', related_name='occupancies', on_delete=OnDelete.CASCADE)),
                ('user_id', fields.IntField()),
                ('quantity', fields.IntField()),
                ('occupied', fields.BooleanField(default=False)),
                ('exclusive_key', fields.CharField(null=True, unique=True, max_length=24)),
                ('user_slot_key', fields.CharField(null=True, unique=True, max_length=48)),
            ],
            options={'table': 'booking_occupancy', 'app': 'booking', 'indexes': [Index(fields=['slot_id', 'occupied'])], 'pk_attr': 'id', 'table_description': 'One slot of a reservation, with the keys that the database keeps unique.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WaitlistEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reservation', fields.ForeignKeyField('booking.Reservation', source_field='reservation_id', db_constraint=True, to_field='id', related_name='waitlist_entries', on_delete=OnDelete.CASCADE)),
                ('slot', fields.ForeignKeyField('booking.Slot', source_field='slot_id', db_constraint=True, to_field='id', related_name='waitlist_entries', on_delete=OnDelete.CASCADE)),
                ('seq', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'booking_waitlist', 'app': 'booking', 'unique_together': (('slot', 'seq'),), 'pk_attr': 'id', 'table_description': 'The database mirror of a Redis waitlist queue entry (one per slot of the run).'},
            bases=['Model'],
        ),
    ]
