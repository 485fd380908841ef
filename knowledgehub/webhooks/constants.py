"""Numbers that shape webhook delivery (one place, so docs and code agree)."""

from __future__ import annotations

from datetime import timedelta

# Events a webhook can subscribe to, and the test event the "send a test ping" button sends.
ITEM_CREATED = "item.created"
MEMBER_JOINED = "member.joined"
VALUE_RECORDED = "value.recorded"
PING = "ping"
EVENTS = (ITEM_CREATED, MEMBER_JOINED, VALUE_RECORDED)

# After attempt n fails (n = 1 … 5) the next one waits BACKOFF[n - 1]; attempt MAX_ATTEMPTS is
# the last, after which the delivery is given up.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1

# A webhook is turned off after this many deliveries in a row were given up.
DISABLE_AFTER_FAILURES = 20

# One request: the whole exchange within TIMEOUT seconds, and at most MAX_RESPONSE_BYTES of the
# receiver's answer read (receivers should answer with an empty or short body).
TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 64 * 1024

# A worker that claimed an attempt holds it this long; if it dies, the sweep retries after it.
CLAIM_LEASE = timedelta(minutes=2)

# How many due deliveries one sweep queues (the rest wait for the next minute).
SWEEP_BATCH = 500

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
USER_AGENT = "KnowledgeHub-Webhooks/1.0"
