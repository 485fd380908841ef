"""Sent after the transaction that wrote metric values commits. kwargs: metric_ids (sorted list
of ints whose values changed) and value_id (the one value, when a single value was recorded by
``record_value``; None for batches)."""

from django.dispatch import Signal

values_written = Signal()
