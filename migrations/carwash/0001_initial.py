from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CardType',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('washes', fields.IntField()),
                ('price_fen', fields.IntField()),
                ('valid_days', fields.IntField()),
                ('per_user_limit', fields.IntField(default=1)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'carwash_card_types', 'app': 'carwash', 'pk_attr': 'id', 'table_description': 'A punch card on sale: washes, price, validity and the per-user limit.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Card',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='carwash_cards', on_delete=OnDelete.CASCADE)),
                ('type', fields.ForeignKeyField('carwash.CardType', source_field='type_id', db_constraint=True, to_field='id', related_name='cards', on_delete=OnDelete.RESTRICT)),
                ('washes_total', fields.IntField()),
                ('washes_left', fields.IntField()),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('amount_fen', fields.IntField()),
                ('out_trade_no', fields.CharField(unique=True, max_length=32)),
                ('prepay_id', fields.CharField(null=True, max_length=64)),
                ('transaction_id', fields.CharField(null=True, max_length=64)),
                ('purchased_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('refund_fen', fields.IntField(null=True)),
                ('out_refund_no', fields.CharField(null=True, unique=True, max_length=64)),
                ('refund_requested_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('refunded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'carwash_cards', 'app': 'carwash', 'indexes': [Index(fields=['owner_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A card of one owner, with the WeChat Pay order that bought it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PayNotification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('notification_id', fields.CharField(unique=True, max_length=64)),
                ('event_type', fields.CharField(max_length=32)),
                ('out_trade_no', fields.CharField(db_index=True, max_length=32)),
                ('outcome', fields.CharField(max_length=32)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'carwash_pay_notifications', 'app': 'carwash', 'pk_attr': 'id', 'table_description': 'Every verified WeChat Pay notification, once per notification id (replays no-op).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Wash',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card', fields.ForeignKeyField('carwash.Card', source_field='card_id', db_constraint=True, to_field='id', related_name='washes', on_delete=OnDelete.CASCADE)),
                ('attendant', fields.ForeignKeyField('identity.User', source_field='attendant_id', db_constraint=True, to_field='id', related_name='carwash_redemptions', on_delete=OnDelete.CASCADE)),
                ('plate', fields.CharField(null=True, max_length=16)),
                ('booking_id', fields.IntField(null=True)),
                ('washes_left', fields.IntField()),
                ('washed_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'carwash_washes', 'app': 'carwash', 'pk_attr': 'id', 'table_description': 'The ledger: one row per wash taken, committed with the card decrement.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WashDay',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('date', fields.DateField(unique=True)),
                ('bays', fields.IntField()),
                ('resource_id', fields.IntField(default=0)),
            ],
            options={'table': 'carwash_days', 'app': 'carwash', 'pk_attr': 'id', 'table_description': 'One day of the wash bays: its engine resource (capacity per slot = bays).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WashSlot',
            fields=[
                ('id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('day', fields.ForeignKeyField('carwash.WashDay', source_field='day_id', db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.CASCADE)),
                ('start', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('capacity', fields.IntField()),
            ],
            options={'table': 'carwash_slots', 'app': 'carwash', 'pk_attr': 'id', 'table_description': 'A bookable wash window. Its id is the booking engine slot id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WashBooking',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slot', fields.ForeignKeyField('carwash.WashSlot', source_field='slot_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('identity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='carwash_bookings', on_delete=OnDelete.CASCADE)),
                ('card', fields.ForeignKeyField('carwash.Card', source_field='card_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.CASCADE)),
                ('reservation_id', fields.IntField(unique=True)),
                ('plate', fields.CharField(max_length=16)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'carwash_bookings', 'app': 'carwash', 'indexes': [Index(fields=['user_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A bay booking of one user, backed by one engine reservation.'},
            bases=['Model'],
        ),
    ]
