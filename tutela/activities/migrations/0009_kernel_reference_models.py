# Population groups and protection risks moved to core: state only, the tables keep their rows
# (see core.0004_kernel_reference_models).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0008_kernel_reference_models'),
        ('monitoring', '0008_kernel_reference_models'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='PopulationGroup',
                ),
            ],
            database_operations=[],
        ),
    ]
