from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Room',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('building', fields.CharField(max_length=64)),
                ('floor', fields.IntField()),
                ('capacity', fields.IntField()),
                ('equipment', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('open_from', fields.CharField(default='08:00', max_length=5)),
                ('open_to', fields.CharField(default='21:00', max_length=5)),
                ('slot_minutes', fields.IntField(default=30)),
                ('needs_approval', fields.BooleanField(default=False)),
                ('resource_id', fields.IntField(null=True, unique=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'meeting_rooms', 'app': 'meetings', 'unique_together': (('building', 'name'),), 'pk_attr': 'id', 'table_description': 'A bookable meeting room with its size, equipment, opening hours and slot grid.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Booking',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reservation_id', fields.IntField(unique=True)),
                ('room', fields.ForeignKeyField('meetings.Room', source_field='room_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.CASCADE)),
                ('organizer', fields.ForeignKeyField('identity.User', source_field='organizer_id', db_constraint=True, to_field='id', related_name='meeting_bookings', on_delete=OnDelete.CASCADE)),
                ('start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('title', fields.CharField(max_length=100)),
                ('attendees', fields.IntField()),
                ('status', fields.CharField(default='confirmed', max_length=20)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('series_id', fields.IntField(null=True)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by_id', fields.IntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'meeting_bookings', 'app': 'meetings', 'indexes': [Index(fields=['room_id', 'start']), Index(fields=['status', 'start']), Index(fields=['organizer_id', 'start'])], 'pk_attr': 'id', 'table_description': 'One meeting in one room: an engine reservation plus title, attendees and check-in.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingSeries',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('room', fields.ForeignKeyField('meetings.Room', source_field='room_id', db_constraint=True, to_field='id', related_name='series', on_delete=OnDelete.CASCADE)),
                ('organizer', fields.ForeignKeyField('identity.User', source_field='organizer_id', db_constraint=True, to_field='id', related_name='meeting_series', on_delete=OnDelete.CASCADE)),
                ('weeks', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'meeting_series', 'app': 'meetings', 'pk_attr': 'id', 'table_description': 'A weekly series: the same time every week, each week a booking of its own.'},
            bases=['Model'],
        ),
    ]
