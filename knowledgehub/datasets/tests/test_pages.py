"""The dataset pages: catalogue, publish form, a dataset's page with its preview (paged and
sortable), column summaries, suggested chart and versions, and the import progress fragment.
Bad parameters give a clear page, never a 500."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import OrganisationFactory, community_with

from ..choices import DataTheme, ImportStatus, Status
from ..models import Dataset
from .builders import ROWS, add_version, make_dataset

pytestmark = pytest.mark.django_db


def _preview_values(html: str, column: int) -> list[str]:
    """The cells of one data column (0 = the first after the row number) of the preview."""
    table = html.split('id="preview-caption"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    values = []
    for row in re.findall(r"<tr.*?</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        values.append(re.sub(r"<[^>]+>", "", cells[column + 1]).strip())
    return values


def test_catalogue_lists_approved_datasets_with_filters(client):
    org = OrganisationFactory(name="Barnsley Council")
    shown = make_dataset(title="Recycling rates")
    Dataset.objects.filter(pk=shown.pk).update(publisher=org, themes=[DataTheme.ENVI])
    other = make_dataset(title="Bus journeys")
    Dataset.objects.filter(pk=other.pk).update(themes=[DataTheme.TRAN])
    make_dataset(title="Unapproved draft", status=Status.SUBMITTED)
    page = client.get(reverse("datasets:list")).content.decode()
    assert "Recycling rates" in page and "Bus journeys" in page
    assert "Unapproved draft" not in page
    assert "Barnsley Council" in page  # a publisher to filter by
    page = client.get(reverse("datasets:list"), {"theme": "ENVI"}).content.decode()
    assert "Recycling rates" in page and "Bus journeys" not in page
    page = client.get(reverse("datasets:list"), {"publisher": org.code}).content.decode()
    assert "Recycling rates" in page and "Bus journeys" not in page
    page = client.get(reverse("datasets:list"), {"q": "bus"}).content.decode()
    assert "Bus journeys" in page and "Recycling rates" not in page
    for params in ({"theme": "NOPE"}, {"page": "x"}, {"page": "999"}, {"publisher": "?"}):
        assert client.get(reverse("datasets:list"), params).status_code == 200


def test_catalogue_shows_your_datasets_and_the_stewards_queue(client, alice):
    from .builders import steward

    make_dataset(creator=alice, title="My draft figures", status=Status.DRAFT)
    make_dataset(creator=alice, title="My submitted figures", status=Status.SUBMITTED)
    client.force_login(alice)
    page = client.get(reverse("datasets:list")).content.decode()
    assert "My draft figures" in page and "My submitted figures" in page
    client.force_login(steward())
    page = client.get(reverse("datasets:list")).content.decode()
    assert "Waiting for approval" in page
    assert "My submitted figures" in page and "My draft figures" not in page


def test_an_approved_dataset_page(client):
    dataset = make_dataset(title="Recycling rates", tags=("waste",))
    response = client.get(dataset.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Recycling rates" in page
    assert "Open Government Licence v3.0" in page
    for fmt in ("csv", "xlsx", "json"):
        assert reverse("datasets:download", args=[dataset.slug, fmt]) in page
    assert reverse("datasets:rows", args=[dataset.slug]) in page
    assert "Barnsley" in page  # the preview
    assert "Columns" in page and "Whole number" in page  # the summaries
    assert 'id="comments"' in page or "comment" in page.lower()  # the discussion


def test_column_summaries(client):
    dataset = make_dataset()
    page = client.get(dataset.get_absolute_url()).content.decode()
    summary = page.split('id="columns-caption"', 1)[1].split("</table>", 1)[0]
    assert "From -5 to 100" in summary
    assert "mean 28.5" in summary
    assert "From 2022-04-01 to 2024-04-01" in summary
    assert "Anglesey (1)" in summary


def test_preview_sorts_numbers_numerically_and_text_as_text(client):
    dataset = make_dataset()
    url = dataset.get_absolute_url()
    page = client.get(url, {"sort": "value", "dir": "asc"}).content.decode()
    assert _preview_values(page, 2) == ["-5", "9", "10", "100"]
    page = client.get(url, {"sort": "value", "dir": "desc"}).content.decode()
    assert _preview_values(page, 2) == ["100", "10", "9", "-5"]
    page = client.get(url, {"sort": "council"}).content.decode()
    assert _preview_values(page, 0) == ["Anglesey", "Barnsley", "Cardiff", "Dover"]
    page = client.get(url, {"sort": "measured", "dir": "asc"}).content.decode()
    # Dates in order, the empty one last.
    assert _preview_values(page, 3)[:3] == ["2022-04-01", "2023-04-01", "2024-04-01"]
    assert 'aria-sort="ascending"' in page


def test_preview_is_paged_by_50(client):
    rows = [[f"Council {n:03d}", "E08000016", n, None] for n in range(120)]
    dataset = make_dataset(rows=rows)
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert len(_preview_values(page, 0)) == 50
    page = client.get(dataset.get_absolute_url(), {"page": "3"}).content.decode()
    assert _preview_values(page, 0) == [f"Council {n:03d}" for n in range(100, 120)]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "nope"},
        {"sort": "value", "dir": "sideways"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"problems": "x"},
        {"sort": "value'; DROP TABLE x;--"},
    ],
)
def test_bad_preview_parameters_never_fail(client, params):
    dataset = make_dataset()
    assert client.get(dataset.get_absolute_url(), params).status_code == 200


def test_versions(client):
    dataset = make_dataset()
    add_version(dataset, rows=[["Ely", "E07000008", 1, None]], note="Added Ely")
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "Added Ely" in page
    assert _preview_values(page, 0) == ["Ely"]  # the newest version is current
    page = client.get(dataset.get_absolute_url(), {"version": "1"}).content.decode()
    assert _preview_values(page, 0) == [r[0] for r in ROWS]
    assert client.get(dataset.get_absolute_url(), {"version": "9"}).status_code == 404
    assert client.get(dataset.get_absolute_url(), {"version": "x"}).status_code == 400


def test_validation_report_and_progress(client, alice):
    dataset = make_dataset(creator=alice)
    problems = [{"row": n, "column": "value", "message": f"Not a number {n}"} for n in range(60)]
    add_version(
        dataset,
        status=ImportStatus.RUNNING,
        problems=problems,
        problem_count=75,
        progress_done=50,
        progress_total=200,
    )
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "75 problems were found" in page
    assert "Not a number 49" in page and "Not a number 50" not in page
    assert 'hx-get="' + reverse("datasets:progress", args=[dataset.slug]) in page
    assert "25% done" in page
    page = client.get(dataset.get_absolute_url(), {"problems": "2"}).content.decode()
    assert "Not a number 50" in page
    fragment = client.get(reverse("datasets:progress", args=[dataset.slug]))
    assert fragment.status_code == 200 and "25% done" in fragment.content.decode()
    dataset.distributions.filter(status=ImportStatus.RUNNING).update(status=ImportStatus.DONE)
    fragment = client.get(reverse("datasets:progress", args=[dataset.slug]), HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"


def test_failed_import_shows_why(client, alice):
    dataset = make_dataset(creator=alice, status=Status.DRAFT)
    add_version(dataset, status=ImportStatus.FAILED, error="The file is not a CSV file")
    client.force_login(alice)
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "The file is not a CSV file" in page
    assert "Submit for approval" not in page


def test_suggested_chart_has_an_svg_and_a_table(client):
    columns = [
        {"name": "council", "type": "text"},
        {"name": "rate", "type": "decimal"},
    ]
    rows = [["Barnsley", 41.5], ["Cardiff", 55.0], ["Dover", 38.25]]
    dataset = make_dataset(columns=columns, rows=rows)
    page = client.get(dataset.get_absolute_url()).content.decode()
    chart_url = reverse("datasets:chart", args=[dataset.slug])
    assert f'src="{chart_url}"' in page
    figures = page.split("The figures in the chart", 1)[1].split("</table>", 1)[0]
    assert "Cardiff" in figures and "55.0" in figures
    svg = client.get(chart_url)
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg") and b"<script" not in svg.content


def test_a_line_chart_over_a_period(client):
    columns = [{"name": "period", "type": "text"}, {"name": "households", "type": "integer"}]
    rows = [["2021-22", 10], ["2019-20", 8], ["2020-21", 9], ["2019-20", 12]]
    dataset = make_dataset(columns=columns, rows=rows)
    from ..charts import suggest_chart

    current = dataset.current
    assert current is not None
    chart = suggest_chart(current)
    assert chart is not None and chart.kind == "line"
    assert chart.points == [("2019-20", 10.0), ("2020-21", 9.0), ("2021-22", 10.0)]
    assert chart.averaged


def test_no_chart_without_numbers(client):
    dataset = make_dataset(columns=[{"name": "name", "type": "text"}], rows=[["a"], ["b"]])
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "Suggested chart" not in page
    assert client.get(reverse("datasets:chart", args=[dataset.slug])).status_code == 404


def test_unapproved_and_private_pages_are_404(client, alice, bob, carol):
    draft = make_dataset(creator=alice, status=Status.DRAFT)
    community = community_with(alice, members=(bob,))
    kept = make_dataset(creator=alice, community=community, audience=Audience.COMMUNITY)
    urls = [
        draft.get_absolute_url(),
        kept.get_absolute_url(),
        reverse("datasets:download", args=[kept.slug, "csv"]),
        reverse("datasets:chart", args=[kept.slug]),
        reverse("datasets:progress", args=[draft.slug]),
        reverse("datasets:rows", args=[kept.slug]),
    ]
    client.force_login(carol)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(bob)
    assert client.get(kept.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/datasets/no-such-dataset/").status_code == 404


def test_publish_form_errors_are_shown_not_500(client, alice):
    client.force_login(alice)
    assert client.get(reverse("datasets:create")).status_code == 200
    response = client.post(
        reverse("datasets:create"),
        {
            "title": "",
            "description": "x",
            "licence": "OGL-UK-3.0",
            "frequency": "ANNUAL",
            "audience": "community",
            "spatial": "E06000023, nope",
            "temporal_start": "2024-01-01",
            "temporal_end": "2023-01-01",
            "url": "https://example.org/a.csv",
            "upload": SimpleUploadedFile("a.csv", b"a,b\n1,2\n"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    for message in (
        "Enter a title",
        "These are not GSS codes",
        "Choose a community, or a different audience",
        "The end must be on or after the start",
        "Upload a file or give a web address, not both",
    ):
        assert message in page, message
    assert not Dataset.objects.exists()


def test_publish_form_needs_sign_in(client):
    response = client.get(reverse("datasets:create"))
    assert response.status_code == 302


def test_edit_page(client, alice, carol):
    dataset = make_dataset(creator=alice)
    client.force_login(carol)
    assert client.get(reverse("datasets:edit", args=[dataset.slug])).status_code == 403
    client.force_login(alice)
    assert client.get(reverse("datasets:edit", args=[dataset.slug])).status_code == 200
    response = client.post(
        reverse("datasets:edit", args=[dataset.slug]),
        {
            "title": "Recycling rates, revised",
            "description": "Better words",
            "licence": "CC-BY-4.0",
            "frequency": "ANNUAL",
            "audience": "public",
            "themes": ["ENVI", "GOVE"],
            "keywords": "recycling, waste",
            "spatial": "e06000023",
        },
    )
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.title == "Recycling rates, revised"
    assert dataset.themes == ["ENVI", "GOVE"]
    assert dataset.spatial == ["E06000023"]


def test_search_finds_an_approved_dataset(client):
    dataset = make_dataset(title="Zebra crossing counts")
    page = client.get(reverse("search:search"), {"q": "zebra"}).content.decode()
    assert dataset.get_absolute_url() in page  # the title is there, with the match marked


def test_publishing_end_to_end(client, alice):
    """Through the real import pipeline (when it is installed)."""
    pytest.importorskip("knowledgehub.datasets.distributions")
    client.force_login(alice)
    content = b"council,code,rate\nBarnsley,E08000016,41.5\nCardiff,W06000015,55\n"
    response = client.post(
        reverse("datasets:create"),
        {
            "title": "Recycling end to end",
            "description": "Rates",
            "licence": "OGL-UK-3.0",
            "frequency": "ANNUAL",
            "audience": "public",
            "upload": SimpleUploadedFile("rates.csv", content, content_type="text/csv"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dataset = Dataset.objects.get(title="Recycling end to end")
    assert dataset.status == Status.DRAFT
    distribution = dataset.distributions.get()
    from ..importing import import_distribution_now

    import_distribution_now(distribution.pk)  # the task runs inline in tests; this is a no-op then
    distribution.refresh_from_db()
    assert distribution.status == ImportStatus.DONE, distribution.error
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "Barnsley" in page and "Submit for approval" in page
    response = client.post(
        reverse("datasets:version_add", args=[dataset.slug]),
        {"upload": SimpleUploadedFile("v2.csv", b"\x00\x01\x02garbage" * 10), "note": "v2"},
    )
    assert response.status_code in (302, 400)
