from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityConfig(AppConfig):
    name = "tutela.capacity"
    verbose_name = _("Capacity and performance")

    def ready(self) -> None:
        from tutela.capacity.services.demo_data import demo_capacity_load
        from tutela.capacity.services.reference import capacity_seed
        from tutela.core import extensions

        # Every new operation gets the standard CCPM questionnaire (editable afterwards).
        extensions.operation_seeders.register(capacity_seed)
        extensions.demo_loaders.register(demo_capacity_load)
