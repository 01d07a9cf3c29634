from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "tutela.coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        from tutela.coordination.selectors.home import coordination_home_panels
        from tutela.coordination.services.demo_data import demo_coordination_load
        from tutela.core import extensions

        extensions.demo_loaders.register(demo_coordination_load)
        extensions.home_panels.register(coordination_home_panels)
