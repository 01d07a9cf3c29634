# Population groups and protection risks moved to core: state only, the tables keep their rows
# (see core.0004_kernel_reference_models).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0007_report_fks_unconstrained'),
        ('core', '0004_kernel_reference_models'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='populationgroup',
                    name='operation',
                ),
                migrations.AlterField(
                    model_name='pickedsummary',
                    name='population_group',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.populationgroup'),
                ),
                migrations.AlterField(
                    model_name='activityreport',
                    name='population_group',
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.populationgroup'),
                ),
                migrations.AlterField(
                    model_name='planningfigure',
                    name='population_group',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='core.populationgroup'),
                ),
                migrations.AlterField(
                    model_name='monthlysummary',
                    name='population_group',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.populationgroup'),
                ),
            ],
            database_operations=[],
        ),
    ]
