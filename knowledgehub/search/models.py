"""The search index has no Django models of its own.

On SQLite it is an FTS5 external-content table (``search_item_fts``) over ``knowledge_item``,
with a ``fts5vocab`` table (``search_item_vocab``) for spelling-tolerant suggestions; on
PostgreSQL it is a generated ``tsvector`` column (``knowledge_item.search_vector``) with a GIN
index. Both are created by ``migrations/0001_search_index.py`` through ``backends.install`` and
kept in step with ``knowledge.Item`` by the database itself (triggers / a generated column), so
every write path — ``index_sync``, ``bulk_create``, ``QuerySet.update``, deletes and cascades —
updates the index in the same transaction. Saved searches (``SavedSearch``) live here too, in a
later migration.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertFrequency(models.TextChoices):
    NONE = "none", _("No e-mails")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class SavedSearch(models.Model):
    """A person's saved search: the words (``query``) and the filters (``filters``: the other
    query-string values, as JSON), with an optional e-mail alert. Alerts and the private feed
    run it with the owner's visibility at the time, never at the time it was saved."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=200, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    alert = models.CharField(
        max_length=8, choices=AlertFrequency.choices, default=AlertFrequency.NONE
    )
    last_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["alert", "user"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/search/?{self.querystring()}"

    def querystring(self) -> str:
        from .forms import querydict_for

        return querydict_for(self.query, self.filters).urlencode()
