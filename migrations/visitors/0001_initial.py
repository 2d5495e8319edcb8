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
            name='Pass',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('host', fields.ForeignKeyField('identity.User', source_field='host_id', db_constraint=True, to_field='id', related_name='visitor_passes', on_delete=OnDelete.CASCADE)),
                ('visitor_name', fields.CharField(max_length=64)),
                ('visitor_phone', fields.CharField(default='', max_length=16)),
                ('plate', fields.CharField(null=True, max_length=16)),
                ('purpose', fields.CharField(default='', max_length=200)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_to', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('max_entries', fields.IntField(default=1)),
                ('entries_used', fields.IntField(default=0)),
                ('status', fields.CharField(default='active', db_index=True, max_length=16)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('token_sealed', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('anonymised_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'visitor_passes', 'app': 'visitors', 'indexes': [Index(fields=['host_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A visitor pass issued by a host: a validity window and a number of entries.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GateEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('visitor_pass', fields.ForeignKeyField('visitors.Pass', source_field='visitor_pass_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('gate', fields.CharField(max_length=32)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('guard', fields.ForeignKeyField('identity.User', source_field='guard_id', db_constraint=True, to_field='id', related_name='gate_entries', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'gate_entries', 'app': 'visitors', 'pk_attr': 'id', 'table_description': 'One admitted entry: which pass, at which gate, when, scanned by which guard.'},
            bases=['Model'],
        ),
    ]
