from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tutela.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # The audit log shows incident entries with the same rules as the incidents.
        from tutela.monitoring.access import audit_rules_register

        audit_rules_register()
