from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.IntField()),
                ('route', fields.CharField(max_length=200)),
                ('key_digest', fields.CharField(max_length=64)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('claim_token', fields.CharField(max_length=32)),
                ('claimed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.IntField(null=True)),
                ('body', fields.TextField(null=True, unique=False)),
                ('content_type', fields.CharField(null=True, max_length=100)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'idempotency_records', 'app': 'idempotency', 'unique_together': (('user_id', 'route', 'key_digest'),), 'pk_attr': 'id', 'table_description': 'One key of one user on one route: a claim while the first request runs, then its answer.'},
            bases=['Model'],
        ),
    ]
