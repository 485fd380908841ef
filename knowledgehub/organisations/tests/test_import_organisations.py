"""`manage.py import_organisations`: the mySociety CSV for all four nations, the ONS list that
ships with the project, and clear errors for files it cannot use."""

from __future__ import annotations

import csv
import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from knowledgehub.organisations.choices import GSS_PREFIX_TYPES, OrganisationType
from knowledgehub.organisations.management.commands.import_organisations import (
    Command as ImportCommand,
)
from knowledgehub.organisations.models import Organisation

pytestmark = pytest.mark.django_db

CSV_PATH = Path(settings.BASE_DIR).parent / "shared/data/councils/uk_local_authorities_current.csv"

if not CSV_PATH.is_file():  # pragma: no cover - the data sits beside the repository
    pytest.skip(f"the councils CSV is not at {CSV_PATH}", allow_module_level=True)


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_organisations", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def csv_rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def imported() -> str:
    return run(str(CSV_PATH))


def test_csv_import_covers_all_four_nations(imported):
    nations = set(Organisation.objects.values_list("nation", flat=True))
    assert nations == {"England", "Wales", "Scotland", "Northern Ireland"}
    examples = {
        "E09000033": ("Westminster", OrganisationType.LONDON_BOROUGH, "England"),
        "E10000032": ("West Sussex", OrganisationType.COUNTY, "England"),
        "E06000023": ("City of Bristol", OrganisationType.UNITARY, "England"),
        "W06000001": ("Isle of Anglesey", OrganisationType.WELSH_UNITARY, "Wales"),
        "S12000033": ("Aberdeen City", OrganisationType.SCOTTISH_UNITARY, "Scotland"),
        "N09000002": (
            "Armagh City, Banbridge and Craigavon",
            OrganisationType.NI_DISTRICT,
            "Northern Ireland",
        ),
    }
    for code, expected in examples.items():
        org = Organisation.objects.get(code=code)
        assert (org.name, org.type, org.nation) == expected, code
    assert Organisation.objects.filter(nation="Scotland").count() == 32
    assert Organisation.objects.filter(nation="Wales").count() == 22
    assert Organisation.objects.filter(nation="Northern Ireland").count() == 11


def test_trafford_is_a_metropolitan_borough_in_the_north_west(imported):
    trafford = Organisation.objects.get(code="E08000009")
    assert trafford.name == "Trafford"
    assert trafford.official_name == "Trafford Metropolitan Borough Council"
    assert trafford.type == OrganisationType.METROPOLITAN
    assert (trafford.nation, trafford.region) == ("England", "North West")
    assert trafford.population == 237_579
    assert trafford.end_date is None
    assert trafford.gss_code == "E08000009"


def test_type_comes_from_the_gss_prefix_and_other_bodies_are_skipped(imported):
    council_rows = [r for r in csv_rows() if r["gss-code"][:3] in GSS_PREFIX_TYPES]
    assert Organisation.objects.count() == len(council_rows)
    types = dict(Organisation.objects.values_list("code", "type"))
    for row in council_rows:
        assert types[row["gss-code"]] == GSS_PREFIX_TYPES[row["gss-code"][:3]], row["gss-code"]
    # Every prefix the importer knows appears in the real data.
    assert {code[:3] for code in types} == set(GSS_PREFIX_TYPES)
    # Combined authorities (E47), the GLA (E61) and rows without a code are not councils here.
    assert not Organisation.objects.filter(code__startswith="E47").exists()
    assert not Organisation.objects.filter(code__startswith="E61").exists()
    assert "created=" in imported


def test_abolished_councils_have_an_end_date_and_are_not_current(imported):
    craven = Organisation.objects.get(code="E07000163")
    assert craven.end_date == date(2023, 4, 1)
    bournemouth = Organisation.objects.get(code="E06000028")
    assert bournemouth.end_date == date(2019, 3, 31)
    abolished = {
        r["gss-code"] for r in csv_rows() if r["end-date"] and r["gss-code"][:3] in GSS_PREFIX_TYPES
    }
    assert (
        set(Organisation.objects.filter(end_date__isnull=False).values_list("code", flat=True))
        == abolished
    )
    assert not Organisation.objects.current().filter(code__in=abolished).exists()


def test_districts_are_linked_to_their_county(imported):
    adur = Organisation.objects.get(code="E07000223")
    assert adur.parent is not None
    assert adur.parent.code == "E10000032"
    assert adur.type == OrganisationType.DISTRICT


def test_running_the_import_again_changes_nothing(imported):
    before = {o.code: (o.pk, o.updated_at, o.parent_id) for o in Organisation.objects.all()}
    output = run(str(CSV_PATH))
    assert "created=0 updated=0" in output
    after = {o.code: (o.pk, o.updated_at, o.parent_id) for o in Organisation.objects.all()}
    assert after == before


def test_builtin_list_does_not_overwrite_names_from_the_csv(imported):
    output = run("--builtin")
    assert "created=0" in output
    # The ONS list calls these "Bristol, City of" and "Kingston upon Hull, City of".
    assert Organisation.objects.get(code="E06000023").name == "City of Bristol"
    assert Organisation.objects.get(code="E06000010").name == "Kingston upon Hull"
    assert Organisation.objects.get(code="W06000014").nation == "Wales"


def test_builtin_list_alone_loads_england(db):
    output = run("--builtin")
    assert "ONS England councils" in output
    bristol = Organisation.objects.get(code="E06000023")
    assert (bristol.name, bristol.type, bristol.nation) == (
        "Bristol, City of",
        OrganisationType.UNITARY,
        "England",
    )
    english = Organisation.objects.filter(code__startswith="E")
    assert english.count() > 300
    assert set(english.values_list("nation", flat=True)) == {"England"}
    # The package also lists Wales's councils: they must not be labelled England.
    assert set(
        Organisation.objects.filter(code__startswith="W").values_list("nation", flat=True)
    ) == {"Wales"}
    # Two-tier areas: the district points at its county.
    assert Organisation.objects.get(code="E07000223").parent.code == "E10000032"
    assert "created=0" in run("--builtin")


def test_csv_after_builtin_replaces_the_ons_names(db):
    run("--builtin")
    run(str(CSV_PATH))
    bristol = Organisation.objects.get(code="E06000023")
    assert bristol.name == "City of Bristol"
    assert bristol.region == "South West"
    assert bristol.population


def test_missing_file_is_a_clear_command_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run(str(tmp_path / "nowhere.csv"))
    with pytest.raises(CommandError, match="not a file"):
        run(str(tmp_path))
    with pytest.raises(CommandError, match="--builtin"):
        run()
    assert not Organisation.objects.exists()


def _tab_separated() -> bytes:
    return CSV_PATH.read_text(encoding="utf-8-sig").replace(",", "\t").encode()


WRONG_FORMATS = {
    "empty": b"",
    "json": json.dumps([{"gss-code": "E08000009", "name": "Trafford"}]).encode(),
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "other csv": b"code,name\nE08000009,Trafford\n",
    "tab separated": _tab_separated(),
    "latin-1 other csv": "Cyngor,Enw\nW06000001,Ynys M\xf4n\n".encode("latin-1"),
}


@pytest.mark.parametrize("content", WRONG_FORMATS.values(), ids=WRONG_FORMATS.keys())
def test_wrong_format_is_a_clear_command_error(tmp_path, content):
    path = tmp_path / "councils.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="not a mySociety local authorities CSV"):
        run(str(path))
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("problem", ["missing", "wrong format"])
def test_command_line_shows_a_message_not_a_traceback(tmp_path, monkeypatch, capsys, problem):
    path = tmp_path / "councils.csv"
    if problem == "wrong format":
        path.write_text("code,name\nE08000009,Trafford\n", encoding="utf-8")
    # run_from_argv closes every connection when it finishes; keep the test database's.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        ImportCommand().run_from_argv(["manage.py", "import_organisations", str(path)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("CommandError: ")
    assert "councils.csv" in err
    assert "Traceback" not in err
