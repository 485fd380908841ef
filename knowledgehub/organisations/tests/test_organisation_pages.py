"""/organisations/: the filterable list, an organisation's page with its people, and adding a
partner organisation."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.testing.factories import (
    OrganisationFactory,
    PartnerOrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def councils() -> dict[str, Organisation]:
    return {
        "trafford": OrganisationFactory(
            code="E08000009",
            name="Trafford",
            official_name="Trafford Metropolitan Borough Council",
            type=OrganisationType.METROPOLITAN,
            region="North West",
        ),
        "manchester": OrganisationFactory(
            code="E08000003", name="Manchester", type=OrganisationType.METROPOLITAN
        ),
        "westminster": OrganisationFactory(
            code="E09000033", name="Westminster", type=OrganisationType.LONDON_BOROUGH,
            region="London",
        ),
        "cardiff": OrganisationFactory(
            code="W06000015", name="Cardiff", type=OrganisationType.WELSH_UNITARY,
            nation="Wales", region="Wales",
        ),
        "craven": OrganisationFactory(
            code="E07000163", name="Craven", type=OrganisationType.DISTRICT,
            region="Yorkshire and The Humber", end_date=date(2023, 4, 1),
        ),
        "charity": PartnerOrganisationFactory(name="Keep Trafford Tidy", nation="England"),
    }  # fmt: skip


def listed(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/organisations/{query}")
    assert response.status_code == 200
    return [o.code for o in response.context["paged"].object_list]


def test_list_shows_current_organisations(client, councils):
    codes = listed(client)
    assert set(codes) == {o.code for key, o in councils.items() if key != "craven"}
    response = client.get("/organisations/")
    assert "Westminster" in response.content.decode()
    assert "Craven" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?nation=Wales", {"cardiff"}),
        ("?region=London", {"westminster"}),
        ("?region=North+West", {"trafford", "manchester"}),
        ("?type=metropolitan", {"trafford", "manchester"}),
        ("?type=charity", {"charity"}),
        ("?q=trafford", {"trafford", "charity"}),
        ("?q=CHESTER", {"manchester"}),
        ("?nation=England&type=metropolitan&q=traff", {"trafford"}),
        ("?q=nothing+like+this", set()),
    ],
)
def test_list_filters(client, councils, query, expected):
    assert set(listed(client, query)) == {councils[key].code for key in expected}


@pytest.mark.parametrize("query", ["?nation=Narnia", "?type=dragon", "?page=999", "?page=x"])
def test_list_ignores_values_it_does_not_know(client, councils, query):
    assert len(listed(client, query)) == 5


def test_list_offers_regions_of_current_organisations_only(client, councils):
    response = client.get("/organisations/")
    assert response.context["regions"] == ["London", "North West", "Wales"]


@pytest.fixture
def trafford_people(councils, alice, bob, carol):
    trafford = councils["trafford"]
    alice.organisation = trafford
    alice.profile_visibility = ProfileVisibility.PUBLIC
    alice.save()
    bob.organisation = trafford
    bob.profile_visibility = ProfileVisibility.MEMBERS
    bob.save()
    carol.organisation = councils["manchester"]
    carol.save()
    UserFactory(username="gone", name="Gone Away", organisation=trafford, is_active=False)
    return trafford


def test_detail_page_describes_the_council(client, trafford_people):
    response = client.get("/organisations/E08000009/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trafford Metropolitan Borough Council" in html
    assert "North West" in html
    assert "http://statistics.data.gov.uk/id/statistical-geography/E08000009" in html


def test_detail_page_lists_only_people_the_viewer_may_see(client, trafford_people, carol):
    response = client.get("/organisations/E08000009/")
    names = [p.username for p in response.context["paged"].object_list]
    assert names == ["alice"]
    html = response.content.decode()
    assert "Alice Adams" in html
    assert "Bob Brown" not in html
    assert "Gone Away" not in html

    client.force_login(carol)
    response = client.get("/organisations/E08000009/")
    names = [p.username for p in response.context["paged"].object_list]
    assert names == ["alice", "bob"]
    assert "Bob Brown" in response.content.decode()


def test_detail_accepts_a_lower_case_gss_code(client, councils):
    response = client.get("/organisations/e08000009/")
    assert response.status_code == 200
    assert response.context["organisation"] == councils["trafford"]


def test_unknown_code_is_404(client, councils):
    response = client.get("/organisations/E08999999/")
    assert response.status_code == 404
    assert client.get("/organisations/no-such-partner/").status_code == 404


def test_signed_in_person_adds_a_partner(client, alice, councils):
    client.force_login(alice)
    assert client.get("/organisations/new/").status_code == 200
    response = client.post(
        "/organisations/new/",
        {
            "name": "  Greater   Manchester Mind ",
            "type": OrganisationType.CHARITY,
            "nation": "England",
            "website": "gmmind.org.uk",
            "description": "Mental health charity.",
        },
    )
    organisation = Organisation.objects.get(name="Greater Manchester Mind")
    assert response.status_code == 302
    assert response["Location"] == organisation.get_absolute_url()
    assert organisation.code == "greater-manchester-mind"
    assert organisation.type == OrganisationType.CHARITY
    assert organisation.website == "https://gmmind.org.uk"
    assert not organisation.is_council
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Greater Manchester Mind" in page.content.decode()


def test_partner_with_a_nine_character_slug_has_a_page(client, alice):
    # "age-uk-ni" is nine characters long, like a GSS code: it must not be upper-cased.
    client.force_login(alice)
    response = client.post(
        "/organisations/new/", {"name": "Age UK NI", "type": OrganisationType.CHARITY}
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_partners_whose_names_share_a_slug_get_distinct_codes(client, alice):
    client.force_login(alice)
    client.post("/organisations/new/", {"name": "Age UK", "type": OrganisationType.CHARITY})
    client.post("/organisations/new/", {"name": "Age-UK", "type": OrganisationType.CHARITY})
    assert sorted(Organisation.objects.values_list("code", flat=True)) == ["age-uk", "age-uk-2"]


@pytest.mark.parametrize("name", ["Keep Trafford Tidy", "keep  trafford TIDY", "Trafford"])
def test_duplicate_name_is_a_form_error(client, alice, councils, name):
    client.force_login(alice)
    before = Organisation.objects.count()
    response = client.post("/organisations/new/", {"name": name, "type": OrganisationType.CHARITY})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "An organisation with this name already exists"
    ]
    assert "An organisation with this name already exists" in response.content.decode()
    assert Organisation.objects.count() == before


def test_a_partner_cannot_be_added_as_a_council(client, alice):
    client.force_login(alice)
    response = client.post(
        "/organisations/new/", {"name": "Fake Council", "type": OrganisationType.UNITARY}
    )
    assert response.status_code == 200
    assert "type" in response.context["form"].errors
    assert not Organisation.objects.exists()


def test_anonymous_is_sent_to_sign_in(client):
    for response in (
        client.get("/organisations/new/"),
        client.post("/organisations/new/", {"name": "Sneaky", "type": OrganisationType.CHARITY}),
    ):
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/organisations/new/"
    assert not Organisation.objects.exists()
