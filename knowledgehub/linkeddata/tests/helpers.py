"""Datasets and their versions built with the ORM for the linked-data tests (the import
pipeline has its own tests; these only need rows that look imported)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from rdflib import Graph

from knowledgehub.datasets.choices import ImportStatus, Status
from knowledgehub.datasets.models import Dataset, Distribution
from knowledgehub.knowledge.models import Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.people.models import User

MIDDLEWARE = "knowledgehub.linkeddata.middleware.LinkedDataMiddleware"


def make_dataset(
    owner: User,
    *,
    title: str = "Household waste collected",
    status: str = Status.APPROVED,
    keywords: tuple[str, ...] = ("waste", "recycling"),
    versions: int = 1,
    **fields: Any,
) -> Dataset:
    """A dataset with ``versions`` imported CSV versions (and its Item, once approved)."""
    now = timezone.now()
    defaults: dict[str, Any] = {
        "slug": fields.pop("slug", None) or _slug(title),
        "title": title,
        "description": "Tonnes of **household waste** collected & recycled, by month.",
        "contact_name": "Data team",
        "contact_email": "data@testshire.gov.uk",
        "themes": ["ENVI", "GOVE"],
        "spatial": ["E06000001"],
        "temporal_start": date(2023, 4, 1),
        "temporal_end": date(2024, 3, 31),
        "frequency": "MONTHLY",
        "status": status,
        "issued_at": now if status == Status.APPROVED else None,
        "created_by": owner,
    }
    defaults.update(fields)
    dataset = Dataset.objects.create(**defaults)
    if keywords:
        dataset.tags.set(Tag.objects.get_or_create_many(list(keywords)))
        index_sync(dataset)
    for version in range(1, versions + 1):
        Distribution.objects.create(
            dataset=dataset,
            version=version,
            original_name=f"waste-v{version}.csv",
            format="csv",
            media_type="text/csv",
            byte_size=2048 * version,
            encoding="utf-8",
            delimiter=",",
            columns=[{"name": "month", "type": "date"}, {"name": "tonnes", "type": "decimal"}],
            row_count=12,
            status=ImportStatus.DONE,
            created_by=owner,
            imported_at=now,
        )
    return dataset


_counter = {"n": 0}


def _slug(title: str) -> str:
    _counter["n"] += 1
    return f"{title.lower().replace(' ', '-')[:80]}-{_counter['n']}"


def parse(body: bytes, fmt: str) -> Graph:
    """Parse our own output (trusted) back into a graph."""
    graph = Graph()
    graph.parse(data=body, format=fmt)
    return graph
