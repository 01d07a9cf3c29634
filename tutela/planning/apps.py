from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "tutela.planning"
    label = "planning"
    verbose_name = _("Planning and funding")

    def ready(self) -> None:
        from tutela.core import extensions
        from tutela.planning.services.demo_data import demo_planning_load

        extensions.demo_loaders.register(demo_planning_load)
