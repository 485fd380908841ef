"""Guards found in review: nothing a reader may not see reaches a question others read, a club
page never names a secret community, bulk writes invalidate cached pages, embargoes mean "not
public until", figures have a sane size, and only a steward starts an import."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knowledgehub.benchmarks import importing, writes
from knowledgehub.benchmarks.choices import Sharing
from knowledgehub.benchmarks.models import MetricImport, MetricValue
from knowledgehub.communities.choices import Visibility
from knowledgehub.core.pagecache import content_version
from knowledgehub.testing.factories import CommunityFactory, OrganisationFactory

from .factories import ClubFactory, ContributorFactory, MetricFactory, ValueFactory, steward

pytestmark = pytest.mark.django_db


def test_ask_prefill_names_no_council_ranked_on_club_figures(client: Client) -> None:
    councils = [OrganisationFactory(name=f"Clubshire {i}") for i in range(8)]
    club = ClubFactory(councils=councils)
    metric = MetricFactory()
    for i, council in enumerate(councils):
        ValueFactory(
            metric=metric, organisation=council, value=10.0 * i, sharing=Sharing.CLUB, club=club
        )
    member = ContributorFactory(organisation=councils[0]).user
    client.force_login(member)
    url = reverse("benchmarks:ask", args=[metric.identifier]) + "?group=all"
    page = client.get(url).content.decode()
    # The asker sees the club's ranking on the metric page, but the question is read by members.
    assert "Clubshire 7" not in page and "top quartile are" not in page
    shown = client.get(reverse("benchmarks:metric", args=[metric.identifier]) + "?group=all")
    assert "Clubshire 7" in shown.content.decode()


def test_club_page_names_a_secret_community_only_to_its_members(client: Client) -> None:
    secret = CommunityFactory(name="Hidden benchmarkers", visibility=Visibility.SECRET)
    club = ClubFactory(community=secret, councils=[OrganisationFactory()])
    page = client.get(reverse("benchmarks:club", args=[club.slug])).content.decode()
    assert "Hidden benchmarkers" not in page and secret.slug not in page


@pytest.mark.django_db(transaction=True)  # real commits: the bump runs when a write commits
def test_bulk_writes_and_embargo_release_invalidate_cached_pages() -> None:
    metric = MetricFactory()
    council = OrganisationFactory()
    before = content_version()
    inp = writes.ValueInput(
        metric_id=metric.pk,
        organisation_id=council.pk,
        period="2023/24",
        period_start=timezone.localdate().replace(year=2023, month=4, day=1),
        value=5.0,
        sharing=Sharing.MEMBERS,
        embargo_until=timezone.localdate() + timedelta(days=3),
    )
    writes.write_batch([inp])
    assert content_version() > before
    after_write = content_version()
    writes.write_batch([inp])  # unchanged: nothing to invalidate
    assert content_version() == after_write
    assert writes.release_embargoes(timezone.localdate() + timedelta(days=3)) == 1
    assert content_version() > after_write
    assert MetricValue.objects.get().sharing == Sharing.PUBLIC


def test_entry_form_refuses_an_embargo_on_a_public_figure_and_huge_numbers(client: Client) -> None:
    council = OrganisationFactory()
    metric = MetricFactory()
    client.force_login(ContributorFactory(organisation=council).user)
    url = reverse("benchmarks:enter", kwargs={"code": council.code})
    later = (timezone.localdate() + timedelta(days=10)).isoformat()
    base = {"metric": metric.identifier, "period": "2023/24", "value": "41.5"}
    response = client.post(url, {**base, "sharing": "public", "embargo_until": later})
    assert "A figure shared with everyone is public now" in response.content.decode()
    response = client.post(url, {**base, "value": "1e300", "sharing": "public"})
    assert "too large to be a performance figure" in response.content.decode()
    assert not MetricValue.objects.exists()
    ok = client.post(url, {**base, "sharing": "members", "embargo_until": later})
    assert ok.status_code == 302
    assert MetricValue.objects.get().embargo_until.isoformat() == later


def test_import_reports_huge_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    council = OrganisationFactory(code="E06000001")
    MetricFactory(identifier="recycling")
    path = tmp_path / "v.csv"
    path.write_text(
        "area_code,period,metric,value\nE06000001,2023/24,recycling,1e300\n", encoding="utf-8"
    )
    report = importing.import_file(path, options=importing.ImportOptions())
    assert report.problem_count == 1
    assert "too large" in report.problems[0].message
    assert not MetricValue.objects.filter(organisation=council).exists()


def test_only_a_steward_starts_an_import_even_its_uploader(client: Client) -> None:
    OrganisationFactory(code="E06000001")
    uploader = steward()
    client.force_login(uploader)
    client.post(
        reverse("benchmarks:import"),
        {"upload": SimpleUploadedFile("v.csv", b"area_code,period,metric,value\n")},
    )
    record = MetricImport.objects.get()
    uploader.user_permissions.clear()
    client.force_login(type(uploader).objects.get(pk=uploader.pk))
    mapping = {"layout": "long", "area_col": "area_code", "value_col": "value", "sharing": "public"}
    assert client.post(record.get_absolute_url(), mapping).status_code == 403
    record.refresh_from_db()
    assert record.status == "mapping"


def test_a_metric_hidden_by_moderation_is_gone_for_all_but_admins(client: Client) -> None:
    from django.contrib.auth import get_user_model

    from knowledgehub.knowledge.models import Item

    metric = MetricFactory(title="Hidden metric")
    ValueFactory(metric=metric)
    Item.objects.filter(kind="metric", object_id=metric.pk).update(is_hidden=True)
    url = reverse("benchmarks:metric", args=[metric.identifier])
    for path in (url, url + "?format=csv", url + "embed/?kind=distribution"):
        assert client.get(path).status_code == 404, path
    assert "Hidden metric" not in client.get(reverse("benchmarks:index")).content.decode()
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x-y-z-1-2")
    client.force_login(admin)
    assert client.get(url).status_code == 200
