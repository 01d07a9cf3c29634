"""Referrals between Tutela instances (README "Case management", "Referrals to another Tutela").

Sending: a referral to an organisation that a registered peer hosts is sent as usual
(`referral_send`: the consent check, the shared fields copied); `referral_peer_channel`, registered
as a delivery channel, queues a `PeerMessage` carrying the referral's IASC fields and only its
shared fields. The task worker seals and posts it (`peer_message_deliver`); while the peer is down
the message waits and is retried with a growing delay by the scheduler
(`peer_messages_deliver_due`).
Never in the request.

Receiving: `package_receive` checks the package (tutela.cases.peer_packages: size, format, known
active peer, signature, time window, replay), decrypts it, validates the payload strictly and
writes an `InboundReferral` (or applies an answer to one of our referrals), audited; any failure
raises `PackageError` and writes nothing.

Answering: the receiving organisation accepts, declines or completes an inbound referral here;
each answer goes back to the sender the same way and moves its referral to the same state as a
local answer would (its deadline and escalation unchanged).
"""

from __future__ import annotations

# The one import of the peer services for the views, the API, the scheduler and the tests; and the
# path of the `peer_message_send` task (tutela.cases.services.peers.peer_message_send) is stored in
# the task rows queued before the split, so it must keep resolving here.
from tutela.cases.services.peer_answers import (
    answer_delivery,
    inbound_referral_accept,
    inbound_referral_complete,
    inbound_referral_decline,
    inbound_referral_open_case,
    inbound_referrals_escalate,
    inbound_referrals_overdue,
)
from tutela.cases.services.peer_outbox import (
    INBOX_PATH,
    MAX_ATTEMPTS,
    TIMEOUT_SECONDS,
    peer_message_deliver,
    peer_message_queue,
    peer_message_send,
    peer_messages_deliver_due,
    referral_delivery,
    referral_payload,
    referral_peer_channel,
    referral_peer_withdrawal,
    retry_delay,
)
from tutela.cases.services.peer_receive import (
    HTTP_STATUS,
    inbound_referral_notify,
    inbound_withdrawn_notify,
    package_receive,
    packages_seen_forget,
)
from tutela.cases.services.peer_registry import (
    instance_keys,
    instance_public_keys,
    peer_hosting,
    peer_organisations_set,
    peer_register,
    peer_revoke,
)

__all__ = [
    "HTTP_STATUS",
    "INBOX_PATH",
    "MAX_ATTEMPTS",
    "TIMEOUT_SECONDS",
    "answer_delivery",
    "inbound_referral_accept",
    "inbound_referral_complete",
    "inbound_referral_decline",
    "inbound_referral_notify",
    "inbound_referral_open_case",
    "inbound_referrals_escalate",
    "inbound_referrals_overdue",
    "inbound_withdrawn_notify",
    "instance_keys",
    "instance_public_keys",
    "package_receive",
    "packages_seen_forget",
    "peer_hosting",
    "peer_message_deliver",
    "peer_message_queue",
    "peer_message_send",
    "peer_messages_deliver_due",
    "peer_organisations_set",
    "peer_register",
    "peer_revoke",
    "referral_delivery",
    "referral_payload",
    "referral_peer_channel",
    "referral_peer_withdrawal",
    "retry_delay",
]
