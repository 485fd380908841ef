"""The worker's per-minute sweep: a new item gets its vector and related items once, and a second
sweep has nothing left to do."""

from __future__ import annotations

import pytest

from knowledgehub.serendipity import services
from knowledgehub.serendipity.models import ItemVector, RelatedItem
from knowledgehub.serendipity.rebuild import sweep
from knowledgehub.testing.factories import ItemFactory

pytestmark = pytest.mark.django_db

WASTE = "Recycling food waste collections: caddies, kerbside recycling and food waste bins."


def test_sweep_relates_new_items_once() -> None:
    first = ItemFactory(title="Food waste trial", text=WASTE)
    ItemFactory(title="Parking permits", text="Resident parking permits and visitor vouchers.")
    assert sweep()["related"] == 0  # no model before a first rebuild: nothing is done
    services.rebuild()
    late = ItemFactory(title="Food waste caddies", text=WASTE)
    assert not ItemVector.objects.filter(item=late).exists()
    assert sweep()["related"] == 1
    assert ItemVector.objects.filter(item=late).exists()
    assert RelatedItem.objects.filter(item=late, related=first).exists()
    assert RelatedItem.objects.filter(item=first, related=late).exists()
    assert sweep()["related"] == 0  # idempotent: nothing left
