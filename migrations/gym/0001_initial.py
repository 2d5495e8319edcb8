from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Gym',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=64)),
                ('address', fields.CharField(max_length=128)),
                ('offer', fields.CharField(max_length=256)),
                ('opens', fields.CharField(max_length=5)),
                ('closes', fields.CharField(max_length=5)),
                ('walk_in', fields.BooleanField(default=True)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'gym_gyms', 'app': 'gym', 'pk_attr': 'id', 'table_description': 'A partner gym with its offer to staff and its daily opening hours.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GymDeskKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('gym', fields.ForeignKeyField('gym.Gym', source_field='gym_id', db_constraint=True, to_field='id', related_name='desk_keys', on_delete=OnDelete.CASCADE)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'gym_desk_keys', 'app': 'gym', 'pk_attr': 'id', 'table_description': 'A front desk key of one gym. Only its HMAC is kept, and revoked keys open nothing.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GymQuota',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.IntField()),
                ('month', fields.CharField(max_length=7)),
                ('used', fields.IntField(default=0)),
            ],
            options={'table': 'gym_quotas', 'app': 'gym', 'unique_together': (('user_id', 'month'),), 'pk_attr': 'id', 'table_description': 'Visits a member has used (or holds on a waitlist) in one month.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GymSession',
            fields=[
                ('id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('gym', fields.ForeignKeyField('gym.Gym', source_field='gym_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('coach', fields.CharField(max_length=32)),
                ('start', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('end', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('capacity', fields.IntField()),
                ('resource_id', fields.IntField()),
            ],
            options={'table': 'gym_sessions', 'app': 'gym', 'pk_attr': 'id', 'table_description': 'One class at a gym at one time. Its id is the booking engine slot id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GymBooking',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('gym', fields.ForeignKeyField('gym.Gym', source_field='gym_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('gym.GymSession', source_field='session_id', null=True, db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.CASCADE)),
                ('user_id', fields.IntField()),
                ('kind', fields.CharField(max_length=8)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('month', fields.CharField(db_index=True, max_length=7)),
                ('reservation_id', fields.IntField(null=True, unique=True)),
                ('walk_in_key', fields.CharField(null=True, unique=True, max_length=64)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'gym_bookings', 'app': 'gym', 'indexes': [Index(fields=['user_id', 'month']), Index(fields=['gym_id', 'month', 'status'])], 'pk_attr': 'id', 'table_description': 'A class booking (backed by one engine reservation) or a walk-in visit of a member.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GymVoucher',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('booking', fields.ForeignKeyField('gym.GymBooking', source_field='booking_id', db_constraint=True, to_field='id', related_name='vouchers', on_delete=OnDelete.CASCADE)),
                ('gym_id', fields.IntField()),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'gym_vouchers', 'app': 'gym', 'pk_attr': 'id', 'table_description': 'A single-use check-in code of a booking, valid for a minute.'},
            bases=['Model'],
        ),
    ]
