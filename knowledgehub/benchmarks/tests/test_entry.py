from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knowledgehub.benchmarks.models import Metric, MetricValue, MetricValueRevision
from knowledgehub.benchmarks.tests.factories import ClubFactory, ContributorFactory, MetricFactory
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _steward():  # type: ignore[no-untyped-def]
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="import_values"))
    return user


def test_enter_permissions(client: Client) -> None:
    council = OrganisationFactory()
    url = reverse("benchmarks:enter", kwargs={"code": council.code})
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(ContributorFactory(organisation=council).user)
    assert client.get(url).status_code == 200


def test_enter_records_and_revises(client: Client) -> None:
    council = OrganisationFactory()
    metric = MetricFactory(period_type="financial_year")
    client.force_login(ContributorFactory(organisation=council).user)
    url = reverse("benchmarks:enter", kwargs={"code": council.code})
    data = {"metric": metric.identifier, "period": "2023-24", "value": "41.5", "sharing": "public"}
    response = client.post(url, data, follow=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("benchmarks:council", kwargs={"code": council.code})
    value = MetricValue.objects.get()
    assert (value.period, value.value) == ("2023/24", 41.5)
    response = client.post(url, {**data, "value": "42"}, follow=True)
    assert "revised" in response.content.decode()
    assert MetricValueRevision.objects.get().previous_value == 41.5


def test_enter_errors(client: Client) -> None:
    council = OrganisationFactory()
    other = OrganisationFactory()
    ClubFactory(slug="theirs", councils=[other])
    metric = MetricFactory(period_type="financial_year")
    client.force_login(_steward())
    url = reverse("benchmarks:enter", kwargs={"code": council.code})
    base = {"metric": metric.identifier, "period": "2023/24", "value": "1", "sharing": "public"}
    response = client.post(url, {**base, "period": "2023"})
    assert response.status_code == 400
    assert "is not a financial year like 2024/25" in response.content.decode()
    response = client.post(url, {**base, "sharing": "club"})
    assert "Choose the club to share it with" in response.content.decode()
    response = client.post(url, {**base, "sharing": "club", "club": "theirs"})
    assert response.status_code == 400  # not a club this council belongs to
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(url, {**base, "embargo_until": past})
    assert "The embargo date must be in the future" in response.content.decode()
    assert not MetricValue.objects.exists()


def test_metric_form(client: Client) -> None:
    url = reverse("benchmarks:metric_new")
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(_steward())
    data = {
        "identifier": "bins-emptied",
        "title": "Bins emptied",
        "unit": "%",
        "polarity": "higher",
        "period_type": "year",
        "decimals": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    metric = Metric.objects.get(identifier="bins-emptied")
    response = client.post(url, {**data, "title": "Again"})
    assert response.status_code == 400
    assert "Another metric already has this identifier" in response.content.decode()
    response = client.post(url, {**data, "identifier": "Not a slug!"})
    assert response.status_code == 400
    edit = reverse("benchmarks:metric_edit", kwargs={"identifier": metric.identifier})
    assert client.post(edit, {**data, "title": "Bins"}).status_code == 302
    metric.refresh_from_db()
    assert metric.title == "Bins"
