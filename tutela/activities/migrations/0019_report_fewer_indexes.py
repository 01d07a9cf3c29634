"""The single-column indexes of a 5W row's body, admin 1 and admin 2 dropped: the composite
indexes that start with the operation serve every query, and each index costs time on uploads.
Dropped by name (the same on SQLite and PostgreSQL), so that SQLite does not copy the table
three times as an AlterField would."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "admin1": "activities_activityreport_admin1_id_44e13498",
    "admin2": "activities_activityreport_admin2_id_c090071c",
    "body": "activities_activityreport_body_id_01621550",
}


def _drop(name: str) -> str:
    return f'DROP INDEX IF EXISTS "{name}"'


def _create(field: str, name: str) -> str:
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "activities_activityreport" ("{field}_id")'


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0018_import_profile_name"),
        ("core", "0010_place_aliases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(_drop(name), reverse_sql=_create(field, name))
                for field, name in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="activityreport",
                    name="admin1",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.adminarea",
                    ),
                ),
                migrations.AlterField(
                    model_name="activityreport",
                    name="admin2",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.adminarea",
                    ),
                ),
                migrations.AlterField(
                    model_name="activityreport",
                    name="body",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.body",
                    ),
                ),
            ],
        )
    ]
