"""Population groups and protection risks move into core (the shared kernel), from the 5W and
monitoring apps. State only: the tables keep their names and their rows; no data is copied.

This migration runs after the migrations that created the tables, so that any later core migration
that changes these models finds them in place on a new database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_outbox_and_schedule"),
        ("activities", "0007_report_fks_unconstrained"),
        ("monitoring", "0007_incident_atoms"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PopulationGroup",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name_en", models.CharField(max_length=300, verbose_name="name (English)")),
                        ("name_fr", models.CharField(max_length=300, verbose_name="name (French)")),
                        ("name_es", models.CharField(blank=True, max_length=300, verbose_name="name (Spanish)")),
                        ("code", models.CharField(max_length=20, verbose_name="code")),
                        ("hxl_attribute", models.CharField(blank=True, help_text="e.g. +idps, +refugees", max_length=30, verbose_name="HXL attribute")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("operation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="population_groups", to="core.operation")),
                    ],
                    options={
                        "verbose_name": "population group",
                        "verbose_name_plural": "population groups",
                        "ordering": ["operation", "code"],
                        "db_table": "activities_populationgroup",
                        "constraints": [
                            models.UniqueConstraint(fields=("operation", "code"), name="popgroup_unique_code")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ProtectionRisk",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name_en", models.CharField(max_length=300, verbose_name="name (English)")),
                        ("name_fr", models.CharField(max_length=300, verbose_name="name (French)")),
                        ("name_es", models.CharField(blank=True, max_length=300, verbose_name="name (Spanish)")),
                        ("code", models.CharField(max_length=40, verbose_name="code")),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("number", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="number")),
                        ("is_gbv", models.BooleanField(default=False, verbose_name="gender-based violence")),
                        ("operation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.operation")),
                    ],
                    options={
                        "verbose_name": "protection risk",
                        "verbose_name_plural": "protection risks",
                        "ordering": ["operation", "order", "code"],
                        "abstract": False,
                        "db_table": "monitoring_protectionrisk",
                        "constraints": [
                            models.UniqueConstraint(fields=("operation", "code"), name="risk_unique_code")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
