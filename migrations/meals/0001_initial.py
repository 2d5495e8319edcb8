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
            name='Menu',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('date', fields.DateField()),
                ('meal', fields.CharField(max_length=16)),
                ('canteen', fields.CharField(max_length=64)),
                ('order_deadline', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('per_user_limit', fields.IntField(default=1)),
                ('resource_id', fields.IntField(default=0)),
                ('summary_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'meal_menus', 'app': 'meals', 'unique_together': (('date', 'meal', 'canteen'),), 'pk_attr': 'id', 'table_description': 'One meal of one canteen on one day, with its order deadline and per-user limit.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Dish',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('menu', fields.ForeignKeyField('meals.Menu', source_field='menu_id', db_constraint=True, to_field='id', related_name='dishes', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('price_fen', fields.IntField()),
                ('stock', fields.IntField()),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'meal_dishes', 'app': 'meals', 'pk_attr': 'id', 'table_description': 'A dish on a menu with its stock (portions the kitchen will cook).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PickupSlot',
            fields=[
                ('id', fields.IntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('menu', fields.ForeignKeyField('meals.Menu', source_field='menu_id', db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.CASCADE)),
                ('start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('capacity', fields.IntField()),
            ],
            options={'table': 'meal_pickup_slots', 'app': 'meals', 'pk_attr': 'id', 'table_description': 'A staggered pickup window of a menu. Its id is the booking engine slot id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('menu', fields.ForeignKeyField('meals.Menu', source_field='menu_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('slot', fields.ForeignKeyField('meals.PickupSlot', source_field='slot_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('identity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='meal_orders', on_delete=OnDelete.CASCADE)),
                ('reservation_id', fields.IntField(unique=True)),
                ('items', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('total_fen', fields.IntField()),
                ('pickup', fields.CharField(max_length=16)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('pickup_code', fields.CharField(unique=True, max_length=64)),
                ('served_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'meal_orders', 'app': 'meals', 'indexes': [Index(fields=['menu_id', 'status']), Index(fields=['user_id', 'menu_id'])], 'pk_attr': 'id', 'table_description': 'A user order for one pickup slot, backed by one engine reservation.'},
            bases=['Model'],
        ),
    ]
