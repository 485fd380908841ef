"""The demo community and the first-run setup command."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import call_command

from knowledgehub.blogs.models import Post
from knowledgehub.communities.choices import InvitationStatus, RequestStatus, Role, Visibility
from knowledgehub.communities.models import Community, Invitation, JoinRequest, Membership
from knowledgehub.core.context_processors import DEMO_CACHE_KEY
from knowledgehub.core.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.organisations.models import Organisation
from knowledgehub.organisations.services import import_councils, read_builtin_england
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.people.models import User

pytestmark = pytest.mark.django_db

# ../shared/data/councils/ next to the repository (present in CI).
COUNCILS_CSV = (
    Path(__file__).resolve().parents[4] / "shared/data/councils/uk_local_authorities_current.csv"
)


@pytest.fixture
def councils() -> None:
    """England's councils from the ONS package (fast, no file needed)."""
    import_councils(read_builtin_england(), overwrite=False)


@pytest.fixture
def demo(councils: None):  # type: ignore[no-untyped-def]
    return seed_demo()


def test_demo_creates_about_fifty_people_at_real_councils(demo):
    people = User.objects.filter(is_demo=True)
    assert demo.created
    assert 45 <= people.count() <= 60
    assert people.count() == demo.people
    assert not people.filter(organisation__isnull=True).exists()
    councils = {u.organisation for u in people if u.organisation.is_council}
    assert len(councils) >= 10
    # Picked by GSS code: these are the real councils, not made-up ones.
    codes = {c.code for c in councils}
    assert {"E08000009", "E08000003", "E08000035", "E06000023", "E10000016"} <= codes
    partner_types = {u.organisation.type for u in people if not u.organisation.is_council}
    assert {OrganisationType.CHARITY, OrganisationType.HEALTH} <= partner_types
    visibility = Counter(people.values_list("profile_visibility", flat=True))
    assert visibility[ProfileVisibility.PUBLIC] > visibility[ProfileVisibility.MEMBERS] > 0
    for person in people.prefetch_related("interests", "skills"):
        assert person.name and person.job_title and person.bio
        assert person.experience and person.looking_for
        assert person.interests.exists() and person.skills.exists()
    assert "Waste strategy manager" in set(people.values_list("job_title", flat=True))


def test_ten_communities_of_every_visibility_with_owners_facilitators_and_members(demo):
    communities = Community.objects.filter(is_demo=True)
    assert communities.count() == demo.communities == 10
    counts = Counter(communities.values_list("visibility", flat=True))
    assert all(counts[v] >= 2 for v in Visibility.values), counts
    for community in communities:
        roles = Counter(community.memberships.values_list("role", flat=True))
        assert roles[Role.OWNER] == 1 and roles[Role.FACILITATOR] >= 1
        assert roles[Role.MEMBER] >= 2, community
        assert community.created_by.is_demo
        assert community.memberships.filter(user__is_demo=False).count() == 0
    pending = JoinRequest.objects.filter(status=RequestStatus.PENDING)
    assert pending.count() >= 3
    assert set(pending.values_list("community__visibility", flat=True)) == {Visibility.RESTRICTED}
    for request in pending:  # nobody asks to join a community they are already in
        assert not Membership.objects.filter(community=request.community, user=request.user)
    assert Invitation.objects.filter(status=InvitationStatus.PENDING).count() >= 3


def test_the_demo_account_signs_in_and_sees_every_visibility_from_the_inside(demo, client):
    people = User.objects.filter(is_demo=True)
    assert [u.email for u in people if u.has_usable_password()] == [DEMO_EMAIL]
    account = User.objects.get(email=DEMO_EMAIL)
    address = EmailAddress.objects.get(user=account)
    assert (address.email, address.verified, address.primary) == (DEMO_EMAIL, True, True)
    response = client.post(
        "/accounts/login/", {"login": DEMO_EMAIL, "password": DEMO_PASSWORD}, follow=False
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == account
    mine = Membership.objects.filter(user=account)
    assert set(mine.values_list("community__visibility", flat=True)) == set(Visibility.values)
    assert mine.filter(role=Role.FACILITATOR).exists()
    secret = Community.objects.filter(visibility=Visibility.SECRET)
    assert Community.objects.visible_to(account).filter(visibility=Visibility.SECRET).exists()
    assert not Community.objects.visible_to(AnonymousUser()).filter(pk__in=secret).exists()
    # A facilitator of a restricted community with requests waiting, an invitation of their own.
    assert JoinRequest.objects.filter(
        community__memberships__user=account,
        community__memberships__role=Role.FACILITATOR,
        status=RequestStatus.PENDING,
    ).exists()
    assert Invitation.objects.filter(email=DEMO_EMAIL, status=InvitationStatus.PENDING).exists()
    assert JoinRequest.objects.filter(user=account, status=RequestStatus.PENDING).exists()


def test_posts_are_indexed_in_every_community_with_fitting_audiences(demo):
    from knowledgehub.blogs import demo as blog_demo
    from knowledgehub.themes.demo import MARKER_TAG

    # The blog kind's own demo adds a draft, a scheduled and a published post with a file, and
    # the themes demo half a year of practice notes (tested in themes/tests/test_demo.py).
    kind_demo = [blog_demo.PUBLISHED_TITLE, blog_demo.SCHEDULED_TITLE, blog_demo.DRAFT_TITLE]
    notes = Post.objects.filter(tags__slug=MARKER_TAG)
    posts = Post.objects.filter(is_demo=True).exclude(title__in=kind_demo).exclude(pk__in=notes)
    assert posts.count() == demo.posts == Post.objects.count() - len(kind_demo) - notes.count()
    indexed = (
        Item.objects.filter(kind="blog_post", is_demo=True)
        .exclude(title__in=kind_demo)
        .exclude(tags__slug=MARKER_TAG)
    )
    assert indexed.count() == posts.count()
    for community in Community.objects.filter(is_demo=True):
        in_community = posts.filter(community=community)
        assert 2 <= in_community.count() <= 4, community
        audiences = set(in_community.values_list("audience", flat=True))
        if community.visibility == Visibility.OPEN:
            assert audiences <= {Audience.PUBLIC, Audience.MEMBERS}
            assert Audience.PUBLIC in audiences
        else:
            assert audiences <= {Audience.COMMUNITY, Audience.MEMBERS}
            assert Audience.COMMUNITY in audiences
        for post in in_community:
            assert Membership.objects.filter(community=community, user=post.author).exists()
    assert posts.filter(community__isnull=True).count() >= 3
    assert posts.filter(audience=Audience.MEMBERS).exists()
    for post in posts:
        item = post.knowledge_item
        assert item.community_id == post.community_id and item.audience == post.audience
        assert item.is_demo and item.tags.exists()
        assert item.published_at == post.published_at
        assert "<p>" in post.body_html and len(post.body) > 300
    anonymous = Item.objects.visible_to(AnonymousUser())
    assert anonymous.exists()
    assert not anonymous.filter(community__visibility=Visibility.SECRET).exists()


def test_seeding_again_changes_nothing_and_a_fresh_seed_is_the_same(demo):
    before = (
        User.objects.count(),
        Community.objects.count(),
        Membership.objects.count(),
        Post.objects.count(),
        Item.objects.count(),
        Invitation.objects.count(),
        JoinRequest.objects.count(),
        Organisation.objects.count(),
    )
    out = io.StringIO()
    again = seed_demo(stdout=out)
    assert not again.created
    assert "already loaded" in out.getvalue()
    after = (
        User.objects.count(),
        Community.objects.count(),
        Membership.objects.count(),
        Post.objects.count(),
        Item.objects.count(),
        Invitation.objects.count(),
        JoinRequest.objects.count(),
        Organisation.objects.count(),
    )
    assert after == before

    def snapshot() -> tuple[object, ...]:
        return (
            sorted(User.objects.filter(is_demo=True).values_list("username", "organisation")),
            sorted(Membership.objects.values_list("community__name", "user__username", "role")),
            sorted(Post.objects.values_list("title", "author__username", "audience")),
        )

    first = snapshot()
    Community.objects.filter(is_demo=True).delete()
    User.objects.filter(is_demo=True).delete()
    assert seed_demo().created
    assert snapshot() == first


def test_the_demo_works_without_councils_and_leaves_real_accounts_alone():
    real = User.objects.create_user("someone", email=DEMO_EMAIL, password="their-own")
    namesake = User.objects.create_user("priya.sharma", email="priya@example.com")
    out = io.StringIO()
    result = seed_demo(stdout=out)
    assert result.created and not result.demo_account
    assert "not created" in out.getvalue()
    real.refresh_from_db()
    assert real.check_password("their-own") and not real.is_demo
    assert not Organisation.objects.councils().exists()
    namesake.refresh_from_db()
    assert not namesake.is_demo and namesake.name == ""
    assert User.objects.get(username="priya.sharma2", is_demo=True).name == "Priya Sharma"
    assert User.objects.filter(is_demo=True).count() >= 45
    assert Community.objects.filter(is_demo=True).count() == 10


def test_seed_demo_command_prints_credentials_and_clears_the_cached_flag(councils):
    cache.set(DEMO_CACHE_KEY, False)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert DEMO_EMAIL in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    assert cache.get(DEMO_CACHE_KEY) is None


def test_setup_site_without_the_demo_loads_councils_only(settings, tmp_path):
    settings.KH_COUNCILS_CSV = str(tmp_path / "missing.csv")
    out = io.StringIO()
    call_command("setup_site", "--no-demo", stdout=out)
    assert Organisation.objects.councils().count() > 300
    assert Organisation.objects.filter(code="E08000009").exists()  # Trafford
    assert not Community.objects.exists() and not User.objects.exists()
    assert "--no-demo" in out.getvalue()
    call_command("setup_site", "--no-demo", stdout=io.StringIO())  # safe to run again


@pytest.mark.slow
@pytest.mark.skipif(not COUNCILS_CSV.is_file(), reason="the councils CSV is not available")
def test_setup_site_loads_all_four_nations_and_the_demo(settings):
    settings.KH_COUNCILS_CSV = str(COUNCILS_CSV)
    settings.EMAIL_BACKEND = "knowledgehub.core.mail.OutboxBackend"
    cache.set(DEMO_CACHE_KEY, False)
    out = io.StringIO()
    call_command("setup_site", stdout=out)
    text = out.getvalue()
    assert DEMO_EMAIL in text and DEMO_PASSWORD in text and "/outbox/" in text
    assert cache.get(DEMO_CACHE_KEY) is None
    nations = set(Organisation.objects.councils().values_list("nation", flat=True))
    assert {"England", "Wales", "Scotland", "Northern Ireland"} <= nations
    # With every nation loaded, people sit at their intended councils in all four.
    codes = set(User.objects.filter(is_demo=True).values_list("organisation__code", flat=True))
    assert {"W06000015", "S12000049", "N09000003"} <= codes
    assert Community.objects.filter(is_demo=True).count() == 10
    call_command("setup_site", stdout=(again := io.StringIO()))
    assert "already loaded" in again.getvalue()
    assert Community.objects.filter(is_demo=True).count() == 10
