"""The journey a new person takes, in a real browser: sign up, confirm the e-mail, start a
community, invite a colleague who accepts; and joining an open community with and without
JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Community, Membership
from knowledgehub.testing.factories import PASSWORD, CommunityFactory, UserFactory

from .helpers import log_in, sign_in, unexpected

pytestmark = pytest.mark.browser

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
INVITATION_LINK = re.compile(r"https?://\S+/communities/invitations/\S+/")


def _link(pattern: re.Pattern[str], message: Any) -> str:
    match = pattern.search(message.body)
    assert match, f"no link in the e-mail:\n{message.body}"
    return match.group(0)


def test_sign_up_start_a_community_and_invite_a_colleague(
    new_context: Any, live_server: Any, mailoutbox: list[Any], settings: Any, problems: Any
) -> None:
    settings.SITE_URL = live_server.url  # links in invitation e-mails point at this server
    page = new_context().new_page()

    # Sign up.
    page.goto("/accounts/signup/")
    main = page.get_by_role("main")
    main.get_by_label("Email", exact=True).fill("nadia@example.gov.uk")
    main.get_by_label("Username", exact=True).fill("nadia")
    main.get_by_label("Full name", exact=True).fill("Nadia Noor")
    main.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    main.get_by_label("Password (again)", exact=True).fill("a-long-and-unusual-passphrase")
    main.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert "Verify" in main.get_by_role("heading", level=1).inner_text()

    # Confirm the address from the e-mail.
    assert [m.to for m in mailoutbox] == [["nadia@example.gov.uk"]]
    page.goto(_link(CONFIRM_LINK, mailoutbox[0]))
    main.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}/")
    assert main.get_by_role("heading", level=1).inner_text() == "Welcome, Nadia Noor"

    # Start a community.
    page.goto("/communities/new/")
    main.get_by_label("Name", exact=True).fill("Flood resilience in market towns")
    main.get_by_label("What the community is for").fill("What works before and after floods.")
    main.get_by_label("Private: by invitation only, listed in the directory").check()
    main.get_by_role("button", name="Create community").click()
    page.wait_for_url("**/communities/flood-resilience-in-market-towns/")
    community = Community.objects.get(slug="flood-resilience-in-market-towns")
    assert community.visibility == Visibility.PRIVATE
    assert Membership.objects.get(community=community).user.username == "nadia"
    assert main.get_by_role("heading", level=1).inner_text() == community.name
    assert main.get_by_text("You own this community.").is_visible()

    # Invite a colleague who already has an account.
    colleague = UserFactory(username="omar", name="Omar Obi", email="omar@example.gov.uk")
    main.get_by_label("E-mail address").fill(colleague.email)
    main.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    banner = main.locator(".govuk-notification-banner")
    assert banner.inner_text().endswith(f"Invitation sent to {colleague.email}.")
    invitation_mail = mailoutbox[-1]
    assert invitation_mail.to == [colleague.email]

    # The colleague signs in, in their own browser, and accepts.
    other = new_context().new_page()
    sign_in(other, colleague.email, PASSWORD)
    other.goto(_link(INVITATION_LINK, invitation_mail))
    other_main = other.get_by_role("main")
    assert "Invitation to Flood resilience" in other_main.get_by_role("heading").inner_text()
    other_main.get_by_role("button", name="Accept and join").click()
    other.wait_for_url(f"{live_server.url}{community.get_absolute_url()}")
    assert other_main.get_by_text("Welcome to Flood resilience in market towns.").is_visible()
    assert other_main.get_by_text("You are a member of this community.").is_visible()
    assert Membership.objects.get(community=community, user=colleague).role == Role.MEMBER

    errors = unexpected(problems.errors)
    assert not errors, "the browser reported:\n" + "\n".join(errors)


@pytest.fixture
def open_community(alice: Any) -> Community:
    community = CommunityFactory(name="Parks and green spaces", slug="parks", created_by=alice)
    Membership.objects.create(community=community, user=alice, role=Role.OWNER)
    return community


def test_join_and_leave_update_the_panel_in_place(
    new_context: Any, live_server: Any, open_community: Community, carol: Any, problems: Any
) -> None:
    context = new_context()
    log_in(context, live_server, carol)
    page = context.new_page()
    page.goto(open_community.get_absolute_url())
    # A full page load would lose this.
    page.evaluate("window.khSamePage = true")
    panel = page.locator("#membership-panel")

    status = page.get_by_role("status")  # a lasting live region, outside the swapped panel
    focused = "document.activeElement.textContent.trim()"

    panel.get_by_role("button", name="Join community").click()
    panel.get_by_text("You are a member of this community.").wait_for()
    assert page.evaluate("window.khSamePage") is True
    assert Membership.objects.filter(community=open_community, user=carol).exists()
    assert status.inner_text().strip() == "You have joined Parks and green spaces."
    assert page.evaluate(focused) == "Leave community"  # focus is not lost to <body>

    panel.get_by_role("button", name="Leave community").click()
    panel.get_by_role("button", name="Join community").wait_for()
    assert page.evaluate("window.khSamePage") is True
    assert not Membership.objects.filter(community=open_community, user=carol).exists()
    assert status.inner_text().strip() == "You have left Parks and green spaces."
    assert page.evaluate(focused) == "Join community"

    errors = unexpected(problems.errors)
    assert not errors, "the browser reported:\n" + "\n".join(errors)


def test_join_works_without_javascript(
    new_context: Any, live_server: Any, open_community: Community, carol: Any
) -> None:
    context = new_context(java_script_enabled=False)
    log_in(context, live_server, carol)
    page = context.new_page()
    page.goto(open_community.get_absolute_url())
    main = page.get_by_role("main")

    with page.expect_navigation():
        main.get_by_role("button", name="Join community").click()

    assert page.url == f"{live_server.url}{open_community.get_absolute_url()}"
    banner = main.locator(".govuk-notification-banner")
    assert banner.inner_text().endswith("You have joined Parks and green spaces.")
    assert main.get_by_text("You are a member of this community.").is_visible()
    assert Membership.objects.filter(community=open_community, user=carol).exists()
