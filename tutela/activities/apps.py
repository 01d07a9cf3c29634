from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "tutela.activities"
    label = "activities"
    verbose_name = _("5W activities")

    def ready(self) -> None:
        # Imported once the app registry is ready: they import models.
        from tutela.activities.selectors.home import fivew_home_panels
        from tutela.activities.services.demo_data import demo_activities_load
        from tutela.activities.services.summaries.organisations import (
            summaries_organisation_changed,
        )
        from tutela.core import extensions

        extensions.demo_loaders.register(demo_activities_load)
        extensions.organisation_changes.register(summaries_organisation_changed)
        extensions.home_panels.register(fivew_home_panels)
