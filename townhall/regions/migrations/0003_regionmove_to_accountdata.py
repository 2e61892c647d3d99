# RegionMove now belongs to townhall.accountdata (its 0001_initial), which keeps the table
# regions_regionmove and its rows: here it leaves the state of regions only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0002_regionmove'),
        ('accountdata', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='RegionMove')],
            database_operations=[],
        ),
    ]
