"""The demo: a realistic, made-up community of practice on top of the real councils.

``seed_demo()`` creates about fifty people at real councils (chosen by GSS code) and a few
fictional partner organisations, ten communities covering every visibility, memberships with
owners and facilitators, pending join requests and invitations, and blog posts in every
community. Everything it creates is marked ``is_demo=True`` (partner organisations have no such
flag: their descriptions say they are fictional). It runs once: if a demo community exists it
does nothing. A fixed random seed makes every run build the same demo.

It also creates a demo sign-in account (``DEMO_EMAIL`` / ``DEMO_PASSWORD``) that belongs to
communities of every visibility, so a newcomer can see how the site looks from the inside.
"""

from __future__ import annotations

import importlib
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from knowledgehub.blogs.models import Post
from knowledgehub.blogs.services import post_create
from knowledgehub.communities.choices import InvitationStatus, RequestStatus, Role
from knowledgehub.communities.models import Community, Invitation, JoinRequest, Membership
from knowledgehub.communities.services import CommunityError, community_create
from knowledgehub.knowledge.models import Item, Tag
from knowledgehub.organisations.models import Organisation
from knowledgehub.organisations.services import organisation_create_partner
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.people.models import User

from .data import (
    ADVISORY_LOCK,
    BIO_EXTRAS,
    COMMUNITIES,
    DEMO_BIO,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_PERSON,
    DEMO_USERNAME,
    EMAIL_DOMAIN,
    PARTNERS,
    PEOPLE,
    PERSONAL_POSTS,
    ROLES,
    SEED,
    _Community,
    _Post,
)


class Writer(Protocol):
    """Anything with ``write(text)``: a file, ``sys.stdout`` or a management command's stdout."""

    def write(self, text: str, /) -> Any: ...


@dataclass
class DemoResult:
    """What ``seed_demo`` did: whether it created the demo, and how much of it."""

    created: bool
    message: str
    people: int = 0
    councils: int = 0
    partners: int = 0
    communities: int = 0
    memberships: int = 0
    join_requests: int = 0
    invitations: int = 0
    posts: int = 0
    seconds: float = 0.0
    email: str = DEMO_EMAIL
    password: str = DEMO_PASSWORD
    demo_account: bool = False
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def _say(stdout: Writer | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _tags_by_name(names: Iterable[str]) -> dict[str, Tag]:
    """Tags for every name, created when new, keyed by the name as written here."""
    unique = sorted(set(names))
    by_slug = {t.slug: t for t in Tag.objects.get_or_create_many(unique)}
    return {name: by_slug[slugify(name)[:60]] for name in unique if slugify(name)[:60] in by_slug}


def _unique_usernames(wanted: list[str]) -> dict[str, str]:
    """Map each wanted username to one no existing account uses."""
    pattern = r"^(" + "|".join(re.escape(name) for name in wanted) + r")\d*$"
    taken = {
        name.lower()
        for name in User.objects.filter(username__iregex=pattern).values_list("username", flat=True)
    }
    result: dict[str, str] = {}
    for name in wanted:
        candidate, n = name, 2
        while candidate in taken:
            candidate = f"{name}{n}"
            n += 1
        taken.add(candidate)
        result[name] = candidate
    return result


def _organisations(rng: random.Random, notes: list[str]) -> dict[str, Organisation | None]:
    """The organisation for each person's code: the real council when present, otherwise a
    council that is (the wanted ones first), and the fictional partners."""
    wanted = sorted({p.org for p in PEOPLE if not p.org.startswith("partner:")})
    present = {o.code: o for o in Organisation.objects.filter(code__in=wanted)}
    pool = [present[c] for c in wanted if c in present]
    if not pool:
        pool = list(Organisation.objects.councils().current().order_by("code")[:60])
    missing = [c for c in wanted if c not in present]
    if missing:
        notes.append(
            f"{len(missing)} of the demo's councils are not loaded; their people were placed "
            "at other councils."
        )
    orgs: dict[str, Organisation | None] = dict(present)
    for code in missing:
        orgs[code] = rng.choice(pool) if pool else None
    for key, (name, org_type, description) in PARTNERS.items():
        org = Organisation.objects.filter(name=name, type=org_type).first()
        if org is None:
            org = organisation_create_partner(
                name=name, type=org_type, nation="England", description=description
            )
        orgs[f"partner:{key}"] = org
    return orgs


def _ago(rng: random.Random, now: datetime, low_days: int, high_days: int) -> datetime:
    return now - timedelta(days=rng.randint(low_days, high_days), minutes=rng.randint(0, 1439))


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max((end - start).total_seconds(), 1.0)
    return start + timedelta(seconds=rng.uniform(0.05, 0.95) * span)


def _demo_account(
    orgs: dict[str, Organisation | None], tags: dict[str, Tag], notes: list[str]
) -> User | None:
    """The demo sign-in account, or None when a real account already has its address."""
    existing = User.objects.filter(email__iexact=DEMO_EMAIL).first()
    claimed = EmailAddress.objects.filter(email__iexact=DEMO_EMAIL, user__is_demo=False).exists()
    if existing is None and not claimed:
        existing = User.objects.filter(username=DEMO_USERNAME).first()
        if existing is not None and not existing.is_demo:
            notes.append(
                f"A real account already uses the username {DEMO_USERNAME!r}: the demo "
                "sign-in account was not created."
            )
            return None
    elif claimed or (existing is not None and not existing.is_demo):
        notes.append(
            f"A real account already uses {DEMO_EMAIL}: the demo sign-in account was not "
            "created and its password was not changed."
        )
        return None
    role = ROLES[DEMO_PERSON.role]
    user = existing or User(username=DEMO_USERNAME, email=DEMO_EMAIL, is_demo=True)
    user.email = DEMO_EMAIL
    user.name = DEMO_PERSON.name
    user.job_title = role.title
    user.organisation = orgs.get(DEMO_PERSON.org)
    user.bio = DEMO_BIO
    user.experience = role.experience
    user.looking_for = role.looking_for
    user.profile_visibility = ProfileVisibility.MEMBERS
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    user.interests.set([tags[t] for t in role.interests if t in tags])
    user.skills.set([tags[t] for t in role.skills if t in tags])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=DEMO_EMAIL).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
    )
    return user


# Content kinds that add demo examples: each module has an idempotent
# ``seed_demo_content(*, rng) -> int``. A new kind adds its module here.
CONTENT_SEEDERS = (
    "knowledgehub.wiki.demo",
    "knowledgehub.forums.demo",
    "knowledgehub.events.demo",
    "knowledgehub.library.demo",
    "knowledgehub.offers.demo",
    "knowledgehub.blogs.demo",
    "knowledgehub.datasets.demo",
    "knowledgehub.themes.demo",
    "knowledgehub.aggregator.demo",
    "knowledgehub.follows.demo",
    "knowledgehub.benchmarks.demo",
    "knowledgehub.api.demo",
    # Last: it comments on what the kinds above made.
    "knowledgehub.discussions.demo",
)


def seed_content_kinds(*, stdout: Writer | None = None) -> dict[str, int]:
    """Run every content kind's demo seeder (each does nothing if its examples exist)."""
    created: dict[str, int] = {}
    if not Community.objects.filter(is_demo=True).exists():
        return created
    for module_name in CONTENT_SEEDERS:
        module = importlib.import_module(module_name)
        with transaction.atomic():
            count = int(module.seed_demo_content(rng=random.Random(SEED)))
        created[module_name.split(".")[1]] = count
        if count:
            _say(stdout, f"Demo {module_name.split('.')[1]}: {count} created.")
    return created


def seed_demo(*, stdout: Writer | None = None) -> DemoResult:
    """Create the demo community once; do nothing (and say so) if demo communities exist."""
    started = time.monotonic()
    rng = random.Random(SEED)
    now = timezone.now()
    notes: list[str] = []
    result: DemoResult | None = None
    with transaction.atomic():
        # One seeder at a time: SQLite's IMMEDIATE transactions already queue writers, and on
        # PostgreSQL an advisory lock makes a second run wait, then find the demo and stop.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s::bigint)", [ADVISORY_LOCK])
        existing = Community.objects.filter(is_demo=True).count()
        if not existing:
            result = _build(rng, now, notes)
    # Each content kind adds its own examples, also to a demo made before the kind existed.
    seed_content_kinds(stdout=stdout)
    if result is None:
        message = f"The demo is already loaded ({existing} demo communities): nothing was changed."
        _say(stdout, message)
        has_account = User.objects.filter(email__iexact=DEMO_EMAIL, is_demo=True).exists()
        if has_account:
            _say(stdout, f"Demo sign-in: {DEMO_EMAIL} with password {DEMO_PASSWORD}")
        return DemoResult(created=False, message=message, demo_account=has_account)

    result.seconds = time.monotonic() - started
    result.notes = notes
    for note in notes:
        _say(stdout, note)
    _say(stdout, result.message)
    if result.demo_account:
        _say(stdout, f"Demo sign-in: {DEMO_EMAIL} with password {DEMO_PASSWORD}")
    return result


def _build(rng: random.Random, now: datetime, notes: list[str]) -> DemoResult:
    """Create everything, inside the caller's transaction."""
    all_tag_names: set[str] = set()
    for role in ROLES.values():
        all_tag_names.update(role.interests, role.skills)
    for community_spec in COMMUNITIES:
        all_tag_names.update(community_spec.tags)
        for post_spec in community_spec.posts:
            all_tag_names.update(post_spec.tags)
    for post_spec in PERSONAL_POSTS:
        all_tag_names.update(post_spec.tags)
    tags = _tags_by_name(all_tag_names)
    orgs = _organisations(rng, notes)

    # People, in one insert; the demo sign-in account separately (it has a real password).
    usernames = _unique_usernames([p.username for p in PEOPLE])
    people: list[User] = []
    for person in PEOPLE:
        role = ROLES[person.role]
        org = orgs.get(person.org)
        extra = rng.choice(BIO_EXTRAS) if rng.random() < 0.7 else ""
        where = (org.official_name or org.name) if org else ""
        bio = f"{role.title} at {where}. {role.bio}" if org else role.bio
        user = User(
            username=usernames[person.username],
            email=f"{usernames[person.username]}@{EMAIL_DOMAIN}",
            name=person.name,
            first_name=person.name.split()[0],
            last_name=person.name.split()[-1],
            job_title=role.title,
            organisation=org,
            bio=f"{bio} {extra}".strip(),
            experience=role.experience,
            looking_for=role.looking_for,
            profile_visibility=(
                ProfileVisibility.MEMBERS if rng.random() < 0.2 else ProfileVisibility.PUBLIC
            ),
            date_joined=_ago(rng, now, 420, 900),
            is_demo=True,
        )
        user.set_unusable_password()
        people.append(user)
    User.objects.bulk_create(people)
    by_key: dict[str, User] = {p.username: u for p, u in zip(PEOPLE, people, strict=True)}

    demo = _demo_account(orgs, tags, notes)
    if demo is not None:
        by_key[DEMO_USERNAME] = demo

    interests_model, skills_model = User.interests.through, User.skills.through
    interest_rows: list[models.Model] = []
    skill_rows: list[models.Model] = []
    for person in PEOPLE:
        role = ROLES[person.role]
        user = by_key[person.username]
        for name in role.interests:
            interest_rows.append(interests_model(user_id=user.pk, tag_id=tags[name].pk))
        for name in role.skills:
            skill_rows.append(skills_model(user_id=user.pk, tag_id=tags[name].pk))
    interests_model.objects.bulk_create(interest_rows)  # type: ignore[arg-type]
    skills_model.objects.bulk_create(skill_rows)  # type: ignore[arg-type]

    # Communities, each created through the service (which makes its owner).
    communities: list[tuple[_Community, Community]] = []
    for spec in COMMUNITIES:
        owner = by_key[spec.owner]
        try:
            community = community_create(
                creator=owner,
                name=spec.name,
                description=spec.description,
                visibility=spec.visibility,
            )
        except CommunityError:  # a real community has the name already
            community = community_create(
                creator=owner,
                name=f"{spec.name} (demo)",
                description=spec.description,
                visibility=spec.visibility,
            )
        community.created_at = _ago(rng, now, 300, 400)
        communities.append((spec, community))
    Community.objects.filter(pk__in=[c.pk for _, c in communities]).update(is_demo=True)
    Community.objects.bulk_update([c for _, c in communities], ["created_at"])

    # Memberships: facilitators, people named in the spec, post authors, then people whose
    # interests match the community's topics, then a few others, up to the community's size.
    memberships: list[Membership] = []
    joined: dict[tuple[int, str], datetime] = {}  # (community, username) -> when they joined
    join_requests: list[JoinRequest] = []
    invitations: list[Invitation] = []
    for spec, community in communities:
        outsiders = {key for key, _message in spec.requests} | set(spec.invitations)
        chosen: list[str] = [spec.owner]

        def add(key: str, chosen: list[str] = chosen, outsiders: set[str] = outsiders) -> None:
            if key in by_key and key not in chosen and key not in outsiders:
                chosen.append(key)

        for key in (*spec.facilitators, *spec.members, *(p.author for p in spec.posts)):
            add(key)
        topics = set(spec.tags)
        topical = [
            p.username for p in PEOPLE if topics & {*ROLES[p.role].interests, *ROLES[p.role].skills}
        ]
        rng.shuffle(topical)
        others = [p.username for p in PEOPLE if p.username not in topical]
        rng.shuffle(others)
        for key in (*topical, *others):
            if len(chosen) >= spec.size:
                break
            add(key)
        for key in chosen[1:]:
            member_role = Role.FACILITATOR if key in spec.facilitators else Role.MEMBER
            memberships.append(Membership(community=community, user=by_key[key], role=member_role))
            joined[(community.pk, by_key[key].username)] = _between(rng, community.created_at, now)
        for key, message in spec.requests:
            if key in by_key:
                join_requests.append(
                    JoinRequest(
                        community=community,
                        user=by_key[key],
                        message=message,
                        status=RequestStatus.PENDING,
                    )
                )
        for key in spec.invitations:
            if key == DEMO_USERNAME and DEMO_USERNAME not in by_key:
                continue
            email = by_key[key].email if key in by_key else key
            invitations.append(
                Invitation(
                    community=community,
                    email=email,
                    invited_by=by_key[spec.owner],
                    status=InvitationStatus.PENDING,
                )
            )
    Membership.objects.bulk_create(memberships)
    # Backdate every membership (inserts stamp "now"); owners joined when they created it.
    rows = list(
        Membership.objects.filter(community__in=[c for _, c in communities]).select_related(
            "community", "user"
        )
    )
    for row in rows:
        row.joined_at = joined.get((row.community_id, row.user.username), row.community.created_at)
    Membership.objects.bulk_update(rows, ["joined_at"])
    JoinRequest.objects.bulk_create(join_requests)
    Invitation.objects.bulk_create(invitations)
    JoinRequest.objects.filter(pk__in=[j.pk for j in join_requests]).update(
        created_at=now - timedelta(days=2)
    )
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(
        created_at=now - timedelta(days=3)
    )

    # Posts go through the service so their knowledge Items (and tags) are indexed.
    to_write: list[tuple[_Post, Community | None, datetime]] = []
    for spec, community in communities:
        for post in spec.posts:
            to_write.append((post, community, _between(rng, community.created_at, now)))
    for post in PERSONAL_POSTS:
        to_write.append((post, None, _ago(rng, now, 5, 250)))
    written: list[Post] = []
    for post, home, published_at in sorted(to_write, key=lambda row: row[2]):
        author = by_key.get(post.author)
        if author is None:
            continue
        created = post_create(
            author=author,
            title=post.title,
            body=post.body,
            audience=post.audience,
            community=home,
            tags=list(post.tags),
            is_demo=True,
        )
        created.published_at = published_at
        written.append(created)
    # Then each is dated within its community's lifetime. Only the date changes, so it is set
    # on the posts and their Items in two bulk updates rather than by re-indexing every post.
    Post.objects.bulk_update(written, ["published_at"])
    items = list(
        Item.objects.filter(
            content_type=ContentType.objects.get_for_model(Post),
            object_id__in=[p.pk for p in written],
        )
    )
    dates = {p.pk: p.published_at for p in written}
    for item in items:
        item.published_at = dates[item.object_id]
    Item.objects.bulk_update(items, ["published_at"])

    councils_used = {
        u.organisation_id for u in people if u.organisation and u.organisation.is_council
    }
    partners_used = {
        u.organisation_id for u in people if u.organisation and not u.organisation.is_council
    }
    owners = len(communities)
    message = (
        f"Created the demo: {len(people) + (1 if demo else 0)} people at {len(councils_used)} "
        f"councils and {len(partners_used)} partner organisations, {len(communities)} "
        f"communities, {len(memberships) + owners} memberships, {len(join_requests)} pending "
        f"requests to join, {len(invitations)} pending invitations and {len(written)} blog posts."
    )
    return DemoResult(
        created=True,
        message=message,
        people=len(people) + (1 if demo else 0),
        councils=len(councils_used),
        partners=len(partners_used),
        communities=len(communities),
        memberships=len(memberships) + owners,
        join_requests=len(join_requests),
        invitations=len(invitations),
        posts=len(written),
        demo_account=demo is not None,
    )
