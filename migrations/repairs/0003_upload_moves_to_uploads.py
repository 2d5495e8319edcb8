from tortoise import migrations
from tortoise.migrations import operations as ops

from migrations import StateOnly


class Migration(migrations.Migration):
    """Upload leaves the repairs app for its own (uploads/0001 takes it over, table and rows)."""

    dependencies = [('repairs', '0002_upload_purchase_request')]

    initial = False

    operations = [
        StateOnly(ops.DeleteModel(name='Upload')),
    ]
