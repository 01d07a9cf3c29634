from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tutela.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # Imported once the app registry is ready (models are not loadable before).
        from tutela.core import extensions
        from tutela.monitoring.access import audit_rules_register
        from tutela.monitoring.selectors.home import monitoring_home_panels
        from tutela.monitoring.services.demo_data import demo_monitoring_load
        from tutela.monitoring.services.reference import monitoring_seed

        # Every new operation gets the monitoring reference data (violation types, sources...).
        extensions.operation_seeders.register(monitoring_seed)
        extensions.demo_loaders.register(demo_monitoring_load)
        extensions.home_panels.register(monitoring_home_panels)
        # The audit log shows incident entries with the same rules as the incidents.
        audit_rules_register()
