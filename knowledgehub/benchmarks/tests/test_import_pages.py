from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from knowledgehub.benchmarks.models import MetricImport, MetricValue
from knowledgehub.benchmarks.tests.factories import MetricFactory
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV = (
    b"area_code,period,metric,value\n"
    b"E06000001,2023/24,recycling,40\n"
    b"E99999999,2023/24,recycling,41\n"
)


def _steward():  # type: ignore[no-untyped-def]
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="import_values"))
    return user


def test_upload_map_import_report(client: Client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    OrganisationFactory(code="E06000001")
    MetricFactory(identifier="recycling")
    client.force_login(_steward())
    url = reverse("benchmarks:import")
    assert client.get(url).status_code == 200
    response = client.post(url, {"upload": SimpleUploadedFile("v.csv", CSV)})
    assert response.status_code == 302
    record = MetricImport.objects.get()
    assert record.status == "mapping"
    assert record.header == ["area_code", "period", "metric", "value"]
    assert record.file.name.startswith("metric-imports/")
    page = client.get(record.get_absolute_url()).content.decode()
    assert 'value="area_code" selected' in page
    data = {
        "layout": "long",
        "area_col": "area_code",
        "period_col": "period",
        "metric_col": "metric",
        "value_col": "value",
        "sharing": "public",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(record.get_absolute_url(), data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "done"
    assert (record.imported, record.problem_count) == (1, 1)
    assert MetricValue.objects.get().value == 40
    page = client.get(record.get_absolute_url()).content.decode()
    assert "E99999999 is not a council in the register" in page
    progress = client.get(reverse("benchmarks:import_progress", kwargs={"pk": record.pk}))
    assert progress.status_code == 200
    htmx = client.get(
        reverse("benchmarks:import_progress", kwargs={"pk": record.pk}), HTTP_HX_REQUEST="true"
    )
    assert htmx["HX-Refresh"] == "true"
    # The task is idempotent: a second run does nothing.
    from knowledgehub.benchmarks.tasks import run_import

    assert run_import(record.pk) == "done"
    assert run_import(999999) == "missing"


def test_progress_while_queued(client: Client) -> None:
    user = _steward()
    record = MetricImport.objects.create(
        created_by=user, status="running", header=["a"], bytes_total=100, bytes_read=50
    )
    client.force_login(user)
    response = client.get(reverse("benchmarks:import_progress", kwargs={"pk": record.pk}))
    assert 'hx-trigger="every 2s"' in response.content.decode()
    assert "50% done" in response.content.decode()
    assert "HX-Refresh" not in response


def test_bad_uploads(client: Client) -> None:
    client.force_login(_steward())
    url = reverse("benchmarks:import")
    response = client.post(url, {"upload": SimpleUploadedFile("x.csv", b"\x00\x01" * 500)})
    assert response.status_code == 400
    assert "not text" in response.content.decode()
    response = client.post(url, {"upload": SimpleUploadedFile("x.pdf", b"%PDF-1.4 stuff")})
    assert response.status_code == 400
    assert not MetricImport.objects.exists()


def test_mapping_errors(client: Client) -> None:
    user = _steward()
    record = MetricImport.objects.create(created_by=user, header=["gss", "2023/24"])
    client.force_login(user)
    response = client.post(
        record.get_absolute_url(), {"layout": "wide", "area_col": "gss", "sharing": "club"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose the club the values are shared with" in page
    assert "For a wide file choose the metric" in page
    record.refresh_from_db()
    assert record.status == "mapping"


def test_permissions(client: Client) -> None:
    owner = _steward()
    record = MetricImport.objects.create(created_by=owner, header=["a"])
    url = record.get_absolute_url()
    assert "login" in client.get(url)["Location"]
    assert "login" in client.get(reverse("benchmarks:import"))["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(reverse("benchmarks:import")).status_code == 403
    assert (
        client.get(reverse("benchmarks:import_progress", kwargs={"pk": record.pk})).status_code
        == 404
    )
    client.force_login(_steward())
    assert client.get(url).status_code == 200
