from django.db import migrations, models
from django.db.models import F


def every_month_changed(apps, schema_editor):
    """No write recorded its months before: every month's figures are those of the current
    version."""
    state = apps.get_model("activities", "SummaryState")
    state.objects.update(whole_version=F("version"))


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0020_pick_grains_by_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="summarystate",
            name="month_versions",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="summarystate",
            name="whole_version",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(every_month_changed, migrations.RunPython.noop),
    ]
