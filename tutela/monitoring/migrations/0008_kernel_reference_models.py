# Population groups and protection risks moved to core: state only, the tables keep their rows
# (see core.0004_kernel_reference_models).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_kernel_reference_models'),
        ('monitoring', '0007_incident_atoms'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='incidentatom',
                    name='primary_risk',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.protectionrisk'),
                ),
                migrations.AlterField(
                    model_name='incidentrisk',
                    name='risk',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.protectionrisk'),
                ),
                migrations.AlterField(
                    model_name='earlywarningsignal',
                    name='risk',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.protectionrisk'),
                ),
                migrations.AlterField(
                    model_name='incidentsummary',
                    name='primary_risk',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.protectionrisk'),
                ),
                migrations.AlterField(
                    model_name='communityrisk',
                    name='risk',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.protectionrisk'),
                ),
                migrations.AlterField(
                    model_name='riskmapping',
                    name='risk',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.protectionrisk'),
                ),
                migrations.AlterField(
                    model_name='incident',
                    name='primary_risk',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.protectionrisk', verbose_name='main protection risk'),
                ),
                migrations.AlterField(
                    model_name='violationtype',
                    name='risk',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='violations', to='core.protectionrisk', verbose_name='risk'),
                ),
                migrations.AlterField(
                    model_name='communityrisk',
                    name='population_groups',
                    field=models.ManyToManyField(blank=True, related_name='+', to='core.populationgroup'),
                ),
                migrations.AlterField(
                    model_name='incidentpeople',
                    name='population_group',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.populationgroup'),
                ),
                migrations.DeleteModel(
                    name='ProtectionRisk',
                ),
            ],
            database_operations=[],
        ),
    ]
