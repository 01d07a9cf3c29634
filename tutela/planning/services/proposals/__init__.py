"""Partners' proposals to a pooled-fund allocation: written by an eligible organisation while the
call is open (form, budget, targets, attachments kept through Django's storage API), submitted,
then pre-reviewed by the fund (accepted for the strategic review, returned for corrections, or
rejected).
"""

from tutela.planning.services.proposals.attachments import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    proposal_attach,
    proposal_attachment_remove,
)
from tutela.planning.services.proposals.prereview import (
    PREREVIEW_DECISIONS,
    proposal_prereview,
    proposal_withdraw,
)
from tutela.planning.services.proposals.writing import (
    LINK_FIELDS,
    VALUE_FIELDS,
    proposal_create,
    proposal_snapshot,
    proposal_submit,
    proposal_update,
    proposal_url,
)

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_TYPES",
    "LINK_FIELDS",
    "PREREVIEW_DECISIONS",
    "VALUE_FIELDS",
    "proposal_attach",
    "proposal_attachment_remove",
    "proposal_create",
    "proposal_prereview",
    "proposal_snapshot",
    "proposal_submit",
    "proposal_update",
    "proposal_url",
    "proposal_withdraw",
]
