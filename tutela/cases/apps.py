"""Case management with consent-based referrals."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tutela.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from tutela.cases.selectors.home import cases_home_panels
        from tutela.cases.services.demo_data import demo_cases_load
        from tutela.cases.services.reference import cases_seed
        from tutela.core import extensions

        # Every new operation gets the specific-needs categories, service types and settings.
        extensions.operation_seeders.register(cases_seed)
        extensions.demo_loaders.register(demo_cases_load)
        extensions.home_panels.register(cases_home_panels)

        from tutela.cases.services.consent import withdrawal_channels
        from tutela.cases.services.peers import referral_peer_channel, referral_peer_withdrawal
        from tutela.cases.services.referrals import channels

        # A referral to an organisation hosted by another Tutela leaves as a package, and so does
        # its withdrawal (or that of its consent).
        channels.register(referral_peer_channel)
        withdrawal_channels.register(referral_peer_withdrawal)
