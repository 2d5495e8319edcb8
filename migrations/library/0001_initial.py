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
            name='Title',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('isbn', fields.CharField(unique=True, max_length=13)),
                ('title', fields.CharField(db_index=True, max_length=200)),
                ('author', fields.CharField(default='', max_length=200)),
                ('publisher', fields.CharField(default='', max_length=200)),
                ('year', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'library_titles', 'app': 'library', 'pk_attr': 'id', 'table_description': 'A catalogue entry, one per ISBN-13.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Copy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('barcode', fields.CharField(unique=True, max_length=32)),
                ('title', fields.ForeignKeyField('library.Title', source_field='title_id', db_constraint=True, to_field='id', related_name='copies', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(default='available', db_index=True, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'library_copies', 'app': 'library', 'pk_attr': 'id', 'table_description': 'One physical book with its barcode label.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Hold',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.ForeignKeyField('library.Title', source_field='title_id', db_constraint=True, to_field='id', related_name='holds', on_delete=OnDelete.RESTRICT)),
                ('user', fields.ForeignKeyField('identity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='library_holds', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(default='waiting', db_index=True, max_length=16)),
                ('copy', fields.ForeignKeyField('library.Copy', source_field='copy_id', null=True, db_constraint=True, to_field='id', related_name='holds', on_delete=OnDelete.RESTRICT)),
                ('ready_copy_id', fields.IntField(null=True, unique=True)),
                ('live_key', fields.CharField(null=True, unique=True, max_length=24)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ready_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ready_until', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'library_holds', 'app': 'library', 'indexes': [Index(fields=['title_id', 'status', 'id']), Index(fields=['user_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A place in the first come, first served queue of a title.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Loan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('copy', fields.ForeignKeyField('library.Copy', source_field='copy_id', db_constraint=True, to_field='id', related_name='loans', on_delete=OnDelete.RESTRICT)),
                ('title', fields.ForeignKeyField('library.Title', source_field='title_id', db_constraint=True, to_field='id', related_name='loans', on_delete=OnDelete.RESTRICT)),
                ('borrower', fields.ForeignKeyField('identity.User', source_field='borrower_id', db_constraint=True, to_field='id', related_name='library_loans', on_delete=OnDelete.RESTRICT)),
                ('channel', fields.CharField(default='desk', max_length=8)),
                ('borrowed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('renewals', fields.IntField(default=0)),
                ('returned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='on_loan', db_index=True, max_length=16)),
                ('live_copy_id', fields.IntField(null=True, unique=True)),
                ('reminded', fields.BooleanField(default=False)),
                ('overdue_stage', fields.IntField(default=0)),
            ],
            options={'table': 'library_loans', 'app': 'library', 'indexes': [Index(fields=['borrower_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A copy lent to a borrower, at the desk or by self-checkout in the reading room.'},
            bases=['Model'],
        ),
    ]
