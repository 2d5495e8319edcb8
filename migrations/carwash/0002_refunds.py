from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('carwash', '0001_initial'), ('identity', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card', fields.ForeignKeyField('carwash.Card', source_field='card_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.CASCADE)),
                ('out_refund_no', fields.CharField(unique=True, max_length=64)),
                ('amount_fen', fields.IntField()),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('refund_id', fields.CharField(null=True, max_length=64)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('settled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'carwash_refunds', 'app': 'carwash', 'pk_attr': 'id', 'table_description': 'One refund asked of WeChat Pay, kept for good under its own refund number.'},
            bases=['Model'],
        ),
    ]
