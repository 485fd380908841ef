"""Signals other apps listen to (webhooks, federation, WebSub). Each is sent after the
transaction that caused it commits, with ids only: receivers re-read what they need, through the
visibility rule, and queue worker tasks rather than doing slow work in the request."""

from django.dispatch import Signal

# A new Item was inserted into the index (not sent for updates). kwargs: item_id.
item_created = Signal()
