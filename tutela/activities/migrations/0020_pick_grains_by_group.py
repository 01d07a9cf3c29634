from django.db import migrations
from django.db.models import F


def mark_stale(apps, schema_editor):
    """Summary tables built before keep no population group in their organisation pick grains
    (p_org_a2, p_org_act_a1), which the grains across organisations are now summed from: stale,
    so that reads answer from the 5W rows until the next write (or `tutela
    rebuild_5w_summaries`) builds them whole."""
    state = apps.get_model("activities", "SummaryState")
    state.objects.update(version=F("version") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0019_report_fewer_indexes"),
    ]

    operations = [
        migrations.RunPython(mark_stale, migrations.RunPython.noop),
    ]
