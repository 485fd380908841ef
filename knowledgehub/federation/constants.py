"""Numbers and names of the federation protocols, in one place."""

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
ACTIVITY_JSON = "application/activity+json"
LD_JSON_AS = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_JSON = "application/jrd+json"

# Inbox bodies larger than this are refused (413) before parsing.
INBOX_MAX_BYTES = 1024 * 1024
# Remote actor documents are fetched with this cap.
REMOTE_ACTOR_MAX_BYTES = 256 * 1024
# A signed request's Date must be within this many seconds of now (either way).
SIGNATURE_MAX_SKEW = 12 * 60 * 60
# Cached remote keys are refetched after this long (and at once when a signature fails).
REMOTE_KEY_TTL = 24 * 60 * 60
OUTBOX_PAGE_SIZE = 20
# Delivery retries: attempts before giving up, backoff base and cap (seconds).
DELIVERY_MAX_ATTEMPTS = 8
DELIVERY_BACKOFF_BASE = 60
DELIVERY_BACKOFF_CAP = 24 * 60 * 60
# A worker holds a claimed delivery for this long before another may retry it.
DELIVERY_LEASE = 5 * 60
# WebSub pings for the same feed at the same hub are sent at most once in this window.
WEBSUB_WINDOW = 60
