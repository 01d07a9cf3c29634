"""Incident references are numbered per organisation ("INC-DRC-2026-000001"), so they are unique
per organisation rather than across the operation.

Existing records keep their references ("INC-2026-000123"): they are cited in reports, e-mails
and the audit log, and renumbering them would break those citations. New records are numbered per
organisation in the new form, which cannot clash with the old one."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_outbox_and_schedule'),
        ('monitoring', '0008_kernel_reference_models'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='incident',
            name='incident_unique_reference',
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.UniqueConstraint(fields=('operation', 'organisation', 'reference'), name='incident_unique_reference_per_organisation'),
        ),
    ]
