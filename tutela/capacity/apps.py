from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityConfig(AppConfig):
    name = "tutela.capacity"
    verbose_name = _("Capacity and performance")

    def ready(self) -> None:
        from tutela.capacity.services.demo_data import demo_capacity_load
        from tutela.core import extensions

        extensions.demo_loaders.register(demo_capacity_load)
