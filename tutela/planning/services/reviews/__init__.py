"""The strategic review: the scorecard (seeded from the CBPF template, editable until it is locked),
conflict-of-interest declarations, each reviewer's scores, the committee's consensus, and the
recommendation with a written justification for every proposal.

Conflicts of interest are enforced here as well as in the reads: a recused reviewer cannot
score, and nobody writes a consensus or a justification for a proposal whose scores they may
not see. Scores, consensus scores, ranks and justifications enter the audit log only as keyed
digests (enough to show that a value changed, not what it is): the operation's managers read
the log, and a manager may be a recused reviewer.
"""

from tutela.planning.services.reviews.recommendations import (
    allocation_finalise,
    draft_justification,
    justification_save,
    recommendation_draft,
)
from tutela.planning.services.reviews.scorecards import (
    CBPF_TEMPLATE,
    category_save,
    digest,
    question_save,
    scorecard_item_delete,
    scorecard_lock,
    scorecard_seed,
)
from tutela.planning.services.reviews.scores import (
    consensus_clear,
    consensus_set,
    declaration_save,
    score_save,
)

__all__ = [
    "CBPF_TEMPLATE",
    "allocation_finalise",
    "category_save",
    "consensus_clear",
    "consensus_set",
    "declaration_save",
    "digest",
    "draft_justification",
    "justification_save",
    "question_save",
    "recommendation_draft",
    "score_save",
    "scorecard_item_delete",
    "scorecard_lock",
    "scorecard_seed",
]
