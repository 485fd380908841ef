"""The approval workflow: draft → submitted → approved or returned, who may do each step, and
that an unapproved or private dataset never reaches anyone who may not see it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.urls import reverse

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import MembershipFactory, UserFactory, community_with

from ..choices import ImportStatus, Status
from ..models import Dataset
from ..services import (
    Metadata,
    can_manage,
    can_review,
    can_view_dataset,
    dataset_approve,
    dataset_create,
    dataset_return,
    dataset_submit,
    dataset_update,
    visible_datasets,
)
from .builders import add_version, make_dataset, steward

pytestmark = pytest.mark.django_db


def _item(dataset: Dataset) -> Item | None:
    return Item.objects.filter(kind="dataset", object_id=dataset.pk).first()


def test_a_new_dataset_is_a_draft_with_a_unique_slug_and_no_item(alice):
    first = make_dataset(creator=alice, title="Recycling rates", status=Status.DRAFT)
    second = make_dataset(creator=alice, title="Recycling rates", status=Status.DRAFT)
    reserved = make_dataset(creator=alice, title="New", status=Status.DRAFT)
    assert first.status == Status.DRAFT
    assert first.slug == "recycling-rates"
    assert second.slug == "recycling-rates-2"
    assert reserved.slug == "new-2"  # /datasets/new/ is the publish form
    assert _item(first) is None


def test_submit_needs_data_that_imported(alice):
    dataset = make_dataset(creator=alice, status=Status.DRAFT)
    with pytest.raises(ValidationError, match="imports successfully"):
        dataset_submit(dataset=dataset, user=alice)
    add_version(dataset, status=ImportStatus.FAILED)
    with pytest.raises(ValidationError):
        dataset_submit(dataset=dataset, user=alice)
    add_version(dataset)
    dataset_submit(dataset=dataset, user=alice)
    assert Dataset.objects.get(pk=dataset.pk).status == Status.SUBMITTED


def test_only_managers_submit(alice, carol):
    dataset = make_dataset(creator=alice, status=Status.DRAFT)
    with pytest.raises(ValidationError):
        dataset_submit(dataset=dataset, user=carol)


def test_only_stewards_approve_a_site_dataset(alice, carol, dave):
    dataset = make_dataset(creator=alice, status=Status.SUBMITTED)
    for person in (alice, carol):  # the creator cannot approve their own, nor can anyone
        assert not can_review(person, dataset)
        with pytest.raises(ValidationError):
            dataset_approve(dataset=dataset, reviewer=person)
    assert can_review(dave, dataset)  # a site admin
    the_steward = steward()
    assert can_review(the_steward, dataset)
    dataset_approve(dataset=dataset, reviewer=the_steward)
    dataset.refresh_from_db()
    assert dataset.status == Status.APPROVED
    assert dataset.reviewed_by == the_steward
    assert dataset.issued_at is not None
    item = _item(dataset)
    assert item is not None and item.title == dataset.title


def test_issued_at_is_set_once(alice):
    dataset = make_dataset(creator=alice)
    issued = dataset.issued_at
    dataset.status = Status.SUBMITTED
    dataset.save()
    dataset_approve(dataset=dataset, reviewer=steward())
    dataset.refresh_from_db()
    assert dataset.issued_at == issued


def test_facilitators_approve_their_community_dataset_only(alice, bob, carol):
    community = community_with(alice, visibility=Visibility.PRIVATE, facilitators=(bob,))
    MembershipFactory(community=community, user=carol)
    kept = make_dataset(
        creator=carol, community=community, audience=Audience.COMMUNITY, status=Status.SUBMITTED
    )
    public = make_dataset(
        creator=carol, community=community, audience=Audience.PUBLIC, status=Status.SUBMITTED
    )
    assert can_review(bob, kept) and can_review(alice, kept)  # facilitator, owner
    assert not can_review(carol, kept)  # a member
    assert not can_review(bob, public)  # the whole site's: a steward's call
    dataset_approve(dataset=kept, reviewer=bob)
    assert Dataset.objects.get(pk=kept.pk).status == Status.APPROVED


def test_returning_needs_comments(alice):
    dataset = make_dataset(creator=alice, status=Status.SUBMITTED)
    reviewer = steward()
    with pytest.raises(ValidationError, match="comments"):
        dataset_return(dataset=dataset, reviewer=reviewer, comment="   ")
    dataset_return(dataset=dataset, reviewer=reviewer, comment="Say where the data comes from")
    dataset.refresh_from_db()
    assert dataset.status == Status.RETURNED
    assert dataset.review_comment == "Say where the data comes from"
    assert _item(dataset) is None
    dataset_submit(dataset=dataset, user=alice)  # a returned dataset goes back in
    assert Dataset.objects.get(pk=dataset.pk).status == Status.SUBMITTED


def test_only_submitted_datasets_are_approved_or_returned(alice):
    draft = make_dataset(creator=alice, status=Status.DRAFT)
    with pytest.raises(ValidationError):
        dataset_approve(dataset=draft, reviewer=steward())
    with pytest.raises(ValidationError):
        dataset_return(dataset=draft, reviewer=steward(), comment="No")


def test_a_dataset_is_never_only_me(alice):
    with pytest.raises(ValidationError):
        dataset_create(
            user=alice,
            meta=Metadata(title="Mine", description="x", audience=Audience.PRIVATE),
        )


def test_publishing_in_a_community_needs_membership(alice, carol):
    community = community_with(alice)
    with pytest.raises(ValidationError, match="belong"):
        dataset_create(
            user=carol,
            meta=Metadata(
                title="Theirs", description="x", community=community, audience=Audience.COMMUNITY
            ),
        )


def test_bad_gss_codes_are_refused(alice):
    with pytest.raises(ValidationError, match="E123"):
        dataset_create(
            user=alice,
            meta=Metadata(title="Areas", description="x", spatial=["E06000023", "E123"]),
        )


def test_update_keeps_the_item_in_step(alice, carol):
    dataset = make_dataset(creator=alice, tags=("waste",))
    with pytest.raises(ValidationError):
        dataset_update(dataset=dataset, user=carol, meta=Metadata(title="Changed", description="x"))
    dataset_update(
        dataset=dataset,
        user=alice,
        meta=Metadata(title="Recycling rates 2024", description="New words", tags=["recycling"]),
    )
    item = _item(dataset)
    assert item is not None
    assert item.title == "Recycling rates 2024"
    assert [t.name for t in item.tags.all()] == ["recycling"]
    assert Dataset.objects.get(pk=dataset.pk).slug == dataset.slug


def test_unapproved_datasets_are_seen_only_by_those_who_look_after_them(alice, bob, carol, dave):
    draft = make_dataset(creator=alice, status=Status.SUBMITTED, title="Unapproved figures")
    the_steward = steward()
    for viewer in (AnonymousUser(), bob, carol):
        assert not can_view_dataset(viewer, draft)
        assert draft not in visible_datasets(viewer)
    for viewer in (alice, dave, the_steward):
        assert can_view_dataset(viewer, draft)
        assert draft in visible_datasets(viewer)
    assert can_manage(alice, draft) and not can_manage(the_steward, draft)
    assert not Item.objects.filter(kind="dataset").exists()
    # Nor in the catalogue or search for anyone else.
    client_page = _get_as(bob, reverse("datasets:list"))
    assert "Unapproved figures" not in client_page
    found = _get_as(dave, reverse("search:search") + "?q=Unapproved")
    assert draft.get_absolute_url() not in found  # not even an admin finds it: it has no Item


def test_community_managers_see_their_communitys_unapproved_datasets(alice, bob, carol):
    community = community_with(alice, visibility=Visibility.RESTRICTED)
    MembershipFactory(community=community, user=bob, role=Role.MEMBER)
    MembershipFactory(community=community, user=carol, role=Role.FACILITATOR)
    draft = make_dataset(
        creator=bob, community=community, audience=Audience.COMMUNITY, status=Status.DRAFT
    )
    assert can_view_dataset(carol, draft) and can_manage(carol, draft)
    assert can_view_dataset(alice, draft)  # the owner
    outsider = UserFactory()
    assert not can_view_dataset(outsider, draft)


def test_a_community_dataset_is_for_its_members_only(alice, bob, carol):
    community = community_with(alice, visibility=Visibility.PRIVATE, members=(bob,))
    dataset = make_dataset(
        creator=alice,
        community=community,
        audience=Audience.COMMUNITY,
        title="Members only figures",
    )
    assert can_view_dataset(bob, dataset)
    assert not can_view_dataset(carol, dataset)
    assert not can_view_dataset(AnonymousUser(), dataset)
    assert dataset in visible_datasets(bob)
    assert dataset not in visible_datasets(carol)
    assert "Members only figures" in _get_as(bob, reverse("datasets:list"))
    assert "Members only figures" not in _get_as(carol, reverse("datasets:list"))
    assert "Members only figures" not in _get_as(None, reverse("datasets:list"))
    url = dataset.get_absolute_url()
    assert url in _get_as(bob, reverse("search:search") + "?q=Members+only")
    assert url not in _get_as(carol, reverse("search:search") + "?q=Members+only")
    assert url not in _get_as(None, reverse("search:search") + "?q=Members+only")


def _get_as(user, url):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_workflow_pages(client, alice, carol):
    dataset = make_dataset(creator=alice, status=Status.DRAFT)
    add_version(dataset)
    client.force_login(carol)
    assert client.post(reverse("datasets:submit", args=[dataset.slug])).status_code == 404
    client.force_login(alice)
    response = client.post(reverse("datasets:submit", args=[dataset.slug]))
    assert response.status_code == 302
    assert Dataset.objects.get(pk=dataset.pk).status == Status.SUBMITTED
    assert client.post(reverse("datasets:approve", args=[dataset.slug])).status_code == 403
    client.force_login(steward())
    response = client.post(reverse("datasets:return", args=[dataset.slug]), {"comment": ""})
    assert response.status_code == 400
    assert "Enter comments saying what needs to change" in response.content.decode()
    assert Dataset.objects.get(pk=dataset.pk).status == Status.SUBMITTED
    response = client.post(reverse("datasets:approve", args=[dataset.slug]))
    assert response.status_code == 302
    assert Dataset.objects.get(pk=dataset.pk).status == Status.APPROVED


def test_demo_seed_is_idempotent():
    import random

    from knowledgehub.testing.factories import OrganisationFactory

    from ..demo import seed_demo_content

    councils = [OrganisationFactory() for _ in range(4)]
    users = [UserFactory(is_demo=True, organisation=councils[i % 4]) for i in range(4)]
    community_with(users[0], visibility=Visibility.PRIVATE, facilitators=(users[1],), is_demo=True)
    assert seed_demo_content(rng=random.Random(1)) == 4
    assert seed_demo_content(rng=random.Random(1)) == 0
    statuses = sorted(Dataset.objects.values_list("status", flat=True))
    assert statuses == [Status.APPROVED] * 3 + [Status.SUBMITTED]
    kept = Dataset.objects.get(audience=Audience.COMMUNITY)
    assert kept.status == Status.APPROVED
    recycling = Dataset.objects.get(title="Household waste recycling rates by council")
    assert recycling.current is not None and recycling.current.row_count == 4 * 5
    assert set(recycling.spatial) == {c.code for c in councils}
    assert Item.objects.filter(kind="dataset").count() == 3
