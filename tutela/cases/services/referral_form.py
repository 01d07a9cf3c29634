"""The printable referral form (PDF) for an organisation that does not use Tutela: the IASC
inter-agency referral form's fields, with the case information limited to what the referral
shares (the consented fields), never more. Making one is written to the audit log."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from tutela.cases.models import Referral
from tutela.cases.selectors.referrals import referral_view
from tutela.core.models import AuditEntry, User
from tutela.core.services.audit import audit_write

PDF_CSS = """
@page { size: A4; margin: 1.8cm; @bottom-right { content: counter(page) " / " counter(pages); } }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; line-height: 1.35; }
h1 { font-size: 15pt; margin-bottom: 4pt; } h2 { font-size: 11.5pt; margin: 12pt 0 4pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #888; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { width: 35%; background: #f0f0f0; }
.confidential { color: #900; font-weight: bold; }
.signature td { height: 36pt; }
"""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"Refusing to fetch {url}")


def referral_pdf(*, referral: Referral, by: User) -> bytes:
    # heavy library, loaded only when this document is built
    from weasyprint import CSS, HTML

    html = render_to_string(
        "cases/referral_form_pdf.html",
        {
            "referral": referral,
            "lines": referral_view(referral),
            "services": list(referral.services_requested.all()),
        },
    )
    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf(stylesheets=[CSS(string=PDF_CSS)])
    assert pdf is not None
    audit_write(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        instance=referral,
        operation=referral.operation,
        summary=f"{referral.code}: printable referral form",
        after={"fields": referral.shared_fields},
    )
    return bytes(pdf)
