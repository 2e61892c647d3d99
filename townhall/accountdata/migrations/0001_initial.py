# RegionMove moved here from townhall.regions: only Django's idea of which app holds it
# changes; its table, regions_regionmove, stays as it is, with its rows.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('regions', '0002_regionmove'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RegionMove',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(max_length=16)),
                        ('target', models.CharField(max_length=16)),
                        ('phase', models.CharField(choices=[('key', 'Re-wrap the data key'), ('rows', 'Copy protected rows'), ('files', 'Copy protected files'), ('verify', 'Verify the copies'), ('switch', 'Switch the home region'), ('cleanup', 'Delete the source copies'), ('done', 'Done')], default='key', max_length=8)),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('checksums', models.JSONField(blank=True, default=dict)),
                        ('error', models.TextField(blank=True)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='region_moves', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'regions_regionmove',
                        'constraints': [models.UniqueConstraint(condition=models.Q(('phase', 'done'), _negated=True), fields=('account',), name='one_unfinished_region_move')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
