from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tutela.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from tutela.core import checks  # noqa: F401  (registers system checks)
        from tutela.core.api import schema  # noqa: F401  (registers OpenAPI field extensions)
