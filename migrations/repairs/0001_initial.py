from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CategoryDeadline',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('category', fields.CharField(unique=True, max_length=16)),
                ('resolve_within_minutes', fields.IntField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'repair_category_deadlines', 'app': 'repairs', 'pk_attr': 'id', 'table_description': 'How long a ticket of one category may stay unresolved before it is escalated.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('category', fields.CharField(max_length=16)),
                ('location', fields.CharField(max_length=128)),
                ('description', fields.TextField(unique=False)),
                ('status', fields.CharField(default='open', db_index=True, max_length=16)),
                ('requester', fields.ForeignKeyField('identity.User', source_field='requester_id', db_constraint=True, to_field='id', related_name='repair_tickets', on_delete=OnDelete.RESTRICT)),
                ('assignee', fields.ForeignKeyField('identity.User', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='repair_assignments', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('assigned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'repair_tickets', 'app': 'repairs', 'pk_attr': 'id', 'table_description': 'A report of broken equipment and where it is in the crew workflow.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Escalation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('repairs.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='escalations', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=16)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'repair_escalations', 'app': 'repairs', 'unique_together': (('ticket', 'reason'),), 'pk_attr': 'id', 'table_description': 'A ticket escalated to the facility leads for one reason. Unique per ticket and reason.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Rating',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.OneToOneField('repairs.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='rating', on_delete=OnDelete.CASCADE)),
                ('score', fields.SmallIntField()),
                ('comment', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'repair_ratings', 'app': 'repairs', 'pk_attr': 'id', 'table_description': 'The requester rating of a ticket. One per ticket, enforced by the unique key.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TicketEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('repairs.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.ForeignKeyField('identity.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='repair_events', on_delete=OnDelete.RESTRICT)),
                ('action', fields.CharField(max_length=32)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'repair_ticket_events', 'app': 'repairs', 'pk_attr': 'id', 'table_description': 'One entry of a ticket timeline: who did what and when. A null actor is the system.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Upload',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='uploads', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('repairs.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.SET_NULL)),
                ('file_name', fields.CharField(unique=True, max_length=64)),
                ('content_type', fields.CharField(max_length=32)),
                ('size', fields.IntField()),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'repair_uploads', 'app': 'repairs', 'pk_attr': 'id', 'table_description': 'An uploaded photo, re-encoded without metadata and stored under a random file name.'},
            bases=['Model'],
        ),
    ]
