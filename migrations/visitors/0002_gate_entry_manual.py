from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('visitors', '0001_initial')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='GateEntry',
            options={'table': 'gate_entries', 'app': 'visitors', 'pk_attr': 'id', 'table_description': 'One admitted entry: which pass, at which gate, when, by which guard, scanned or by hand.'},
        ),
        ops.AddField(
            model_name='GateEntry',
            name='manual',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='GateEntry',
            name='reason',
            field=fields.CharField(default='', max_length=200),
        ),
    ]
