from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('procurement', '0001_initial'), ('repairs', '0001_initial'), ('repairs', '0002_upload_purchase_request'), ('repairs', '0003_upload_moves_to_uploads'), ('uploads', '0001_initial'), ('duty', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Upload',
            name='duty_appointment',
            field=fields.ForeignKeyField('duty.Appointment', source_field='duty_appointment_id', null=True, db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.SET_NULL),
        ),
    ]
