"""The demo's content: made-up people, communities and posts (text only, no logic)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.organisations.choices import OrganisationType

DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "knowledge-hub-demo"  # noqa: S105 - a published demo credential, not a secret
DEMO_USERNAME = "demo"
SEED = 2026
EMAIL_DOMAIN = "example.org"
ADVISORY_LOCK = 20_260_001  # PostgreSQL advisory lock key held while seeding

PUBLIC, MEMBERS, COMMUNITY = Audience.PUBLIC, Audience.MEMBERS, Audience.COMMUNITY


# --- People ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Role:
    """A kind of job: its title and the interests, skills and profile text that go with it."""

    title: str
    interests: tuple[str, ...]
    skills: tuple[str, ...]
    bio: str
    experience: str
    looking_for: str


ROLES: dict[str, _Role] = {
    "waste_strategy": _Role(
        "Waste strategy manager",
        ("recycling", "food waste", "circular economy", "climate action"),
        ("procurement", "contract management", "options appraisal"),
        "I lead our waste strategy, from the collection model to the contracts behind it.",
        "Options appraisals for collection models, new burdens funding bids, vehicle and caddy "
        "procurement, and a waste strategy consultation that 9,000 residents answered.",
        "Councils a year ahead of us on weekly food waste collections who will share their "
        "round modelling and participation data.",
    ),
    "waste_ops": _Role(
        "Waste and recycling operations manager",
        ("recycling", "food waste", "waste collection"),
        ("operations management", "route optimisation", "health and safety"),
        "I run collection rounds, the depot and about 120 crew.",
        "Round re-planning, in-cab technology, cutting missed bins, crew health and safety, and "
        "bringing agency staff through a big service change.",
        "Honest reviews of in-cab systems, and tips on keeping missed collections down while "
        "rounds change.",
    ),
    "recycling_officer": _Role(
        "Recycling and waste minimisation officer",
        ("recycling", "food waste", "behaviour change", "community engagement"),
        ("communications", "behaviour change", "community engagement"),
        "I work with residents to cut contamination and get more into the right bin.",
        "Door-knocking campaigns, bin tagging, school visits, leaflets in twelve languages, and "
        "working with housing associations on recycling in flats.",
        "Evidence on what really changes contamination rates in blocks of flats.",
    ),
    "asc_head": _Role(
        "Head of adult social care commissioning",
        ("adult social care", "commissioning", "market shaping", "co-production"),
        ("commissioning", "budget management", "provider relationships", "leadership"),
        "I lead commissioning for older people, disabled adults and unpaid carers.",
        "Recommissioning home care, market sustainability plans, the fair cost of care exercise "
        "and joint commissioning with the NHS.",
        "Peers who have moved home care to outcomes-based contracts and will share their "
        "specifications.",
    ),
    "asc_commissioning": _Role(
        "Commissioning manager (adult social care)",
        ("adult social care", "commissioning", "home care", "unpaid carers"),
        ("contract management", "commissioning", "data analysis"),
        "I commission home care and support for unpaid carers.",
        "Provider quality monitoring, framework agreements, carers' breaks, and turning contract "
        "data into something the cabinet member reads.",
        "Good examples of carers' support that carers themselves helped design.",
    ),
    "psw": _Role(
        "Principal social worker (adults)",
        ("adult social care", "strengths-based practice", "safeguarding"),
        ("social work", "practice development", "safeguarding"),
        "I look after social work practice and the learning of about 300 practitioners.",
        "Strengths-based practice, Care Act assessments, safeguarding adults reviews and "
        "preparing for CQC assessment.",
        "Other principal social workers comparing notes on CQC assessment preparation.",
    ),
    "data_analyst": _Role(
        "Data analyst",
        ("data", "open data", "performance", "data visualisation"),
        ("data analysis", "SQL", "Power BI", "Python"),
        "I turn service data into things managers can act on.",
        "Cleaning and joining messy service data, dashboards, address matching with UPRNs, and "
        "automating the statutory returns nobody enjoys.",
        "People to share code with, especially for address matching and statutory returns.",
    ),
    "head_data": _Role(
        "Head of data and insight",
        ("data", "data standards", "open data", "AI"),
        ("data strategy", "leadership", "information governance"),
        "I lead a team of twelve analysts and the council's data strategy.",
        "Writing a data strategy people use, building a shared data platform, data sharing "
        "agreements with health partners, and recruiting analysts on council pay scales.",
        "Councils willing to compare data maturity honestly, and shared approaches to AI "
        "governance.",
    ),
    "digital_head": _Role(
        "Head of digital services",
        ("digital", "service design", "digital inclusion", "AI"),
        ("leadership", "agile delivery", "digital strategy"),
        "I look after our website, online services and the digital team.",
        "Moving services off legacy platforms, building a multidisciplinary team, the Local "
        "Digital Declaration, and getting finance on side for agile funding.",
        "Shared components and patterns so we stop building the same form as everyone else.",
    ),
    "service_designer": _Role(
        "Service designer",
        ("service design", "user research", "digital inclusion", "co-production"),
        ("service design", "prototyping", "user research"),
        "I design services end to end, online and off.",
        "Discovery and alpha phases, journey mapping with frontline staff, prototyping in the "
        "GOV.UK Prototype Kit, and service assessments.",
        "Designers in other councils working on the same services, so we can share research.",
    ),
    "user_researcher": _Role(
        "User researcher",
        ("user research", "accessibility", "co-production"),
        ("user research", "accessibility testing", "facilitation"),
        "I find out what residents need and make sure the team hears it.",
        "Research with disabled residents, contextual interviews in libraries and hubs, and "
        "building a research panel that reflects the borough.",
        "A shared pool of research findings between councils, so residents are not asked the "
        "same questions ten times.",
    ),
    "digital_inclusion": _Role(
        "Digital inclusion officer",
        ("digital inclusion", "libraries", "community engagement"),
        ("community engagement", "training", "partnership working"),
        "I help residents get online with confidence, mostly through libraries and hubs.",
        "Device lending, data banks, digital champions training, and working with housing "
        "associations and the voluntary sector.",
        "Evidence on which support sticks after the first session.",
    ),
    "engagement": _Role(
        "Community engagement officer",
        ("community engagement", "co-production", "equalities", "consultation"),
        ("facilitation", "consultation", "community engagement"),
        "I bring residents into decisions, from consultations to co-designed services.",
        "Running consultations, community panels, participatory budgeting, and working with "
        "seldom-heard groups through trusted community organisations.",
        "Practical ways to show residents what changed because they took part.",
    ),
    "planning_policy": _Role(
        "Planning policy officer",
        ("planning", "local plan", "housing", "climate action"),
        ("planning policy", "GIS", "consultation"),
        "I work on our local plan and the evidence behind it.",
        "Local plan preparation, housing land supply, site allocations, examination hearings "
        "and digital consultation tools.",
        "Councils trying digital local plans and data standards for planning.",
    ),
    "planning_enforcement": _Role(
        "Planning enforcement officer",
        ("planning", "planning enforcement", "GIS"),
        ("planning enforcement", "investigation", "legal process"),
        "I investigate breaches of planning control and put them right.",
        "Case investigation, planning contravention notices, enforcement notices and appeals, "
        "and working with legal on prosecutions.",
        "Ways to manage a backlog without losing the serious cases in it.",
    ),
    "principal_planner": _Role(
        "Principal planning officer",
        ("planning", "planning enforcement", "design quality"),
        ("development management", "planning appeals"),
        "I handle major applications and mentor newer planners.",
        "Major applications, section 106 negotiations, planning committee reports and appeal "
        "hearings.",
        "Peers to swap notes on appeal decisions and committee reports.",
    ),
    "climate": _Role(
        "Net zero programme manager",
        ("climate action", "net zero", "retrofit", "EV charging"),
        ("programme management", "carbon accounting", "bid writing"),
        "I run our net zero programme across council buildings, fleet and housing.",
        "Carbon management plans, heat decarbonisation bids, EV charging roll-out and reporting "
        "emissions to councillors in plain English.",
        "Honest comparisons of what each council counts in its emissions.",
    ),
    "sustainability": _Role(
        "Climate change officer",
        ("climate action", "net zero", "retrofit", "biodiversity"),
        ("carbon accounting", "community engagement", "funding bids"),
        "I work on the council's climate emergency action plan.",
        "Emissions baselines, community climate grants, retrofit pilots and biodiversity duty "
        "reporting.",
        "Retrofit programmes that worked with tenants rather than around them.",
    ),
    "housing_options": _Role(
        "Housing options team leader",
        ("housing", "homelessness prevention", "temporary accommodation"),
        ("casework", "team leadership", "housing law"),
        "I lead a team of housing options officers who see people at risk of homelessness.",
        "Prevention casework, personal housing plans, landlord negotiation and keeping a team "
        "going through very high demand.",
        "Prevention tools other teams swear by, particularly for private renters.",
    ),
    "homelessness": _Role(
        "Homelessness prevention manager",
        ("homelessness prevention", "housing", "rough sleeping", "data"),
        ("partnership working", "commissioning", "housing law"),
        "I manage our prevention services and the partnerships around them.",
        "Duty to refer arrangements, commissioning supported housing, rough sleeping grants and "
        "using data to spot households at risk earlier.",
        "Data sharing arrangements that let us act before a household reaches crisis.",
    ),
    "procurement": _Role(
        "Category manager (procurement)",
        ("procurement", "social value", "contract management"),
        ("procurement", "contract management", "Procurement Act 2023"),
        "I manage procurement for our place-based services.",
        "Running tenders under the Procurement Act 2023, supplier engagement, contract "
        "management frameworks and training budget holders.",
        "Template notices and examples of proportionate procurement for small contracts.",
    ),
    "social_value": _Role(
        "Social value lead",
        ("social value", "procurement", "community wealth building"),
        ("social value", "supplier engagement", "reporting"),
        "I make sure our spending does good locally, and that we can show it.",
        "Social value frameworks, measuring delivery against commitments, working with local "
        "suppliers and anchor institutions.",
        "Ways to measure social value that suppliers and residents both trust.",
    ),
    "cyber": _Role(
        "Cyber security manager",
        ("cyber security", "resilience", "incident response"),
        ("cyber security", "incident response", "risk management"),
        "I look after the council's security posture and incident response.",
        "Incident response planning, PSN and Cyber Assessment Framework work, phishing "
        "simulations and exercising with the leadership team.",
        "Peers to share indicators and lessons quickly when something happens.",
    ),
    "info_gov": _Role(
        "Information governance manager",
        ("information governance", "data protection", "cyber security"),
        ("data protection", "records management", "FOI"),
        "I lead on data protection, records and freedom of information.",
        "Data protection impact assessments, data sharing agreements, subject access requests "
        "and breach handling.",
        "Good data sharing agreement templates for health and care.",
    ),
    "transformation": _Role(
        "Transformation programme manager",
        ("transformation", "local government reorganisation", "digital"),
        ("programme management", "change management", "stakeholder management"),
        "I run the programme bringing councils' services together.",
        "Large change programmes, systems consolidation, staff engagement and keeping "
        "councillors informed.",
        "People going through reorganisation who will share their plans and their mistakes.",
    ),
    "policy": _Role(
        "Policy and partnerships officer",
        ("policy", "partnerships", "equalities", "climate action"),
        ("policy writing", "briefing councillors", "research"),
        "I write policy, brief councillors and look after some of our partnerships.",
        "Corporate plans, equality impact assessments, briefings and consultation responses.",
        "Examples of short, readable policy documents that residents understand.",
    ),
    "charity_engagement": _Role(
        "Engagement and participation lead",
        ("co-production", "community engagement", "equalities", "adult social care"),
        ("facilitation", "co-production", "training"),
        "I help councils and health bodies involve the people who use their services.",
        "Co-production training, lived experience panels, paying people for their time and "
        "accessible engagement.",
        "Councils that want to move from consulting people to designing with them.",
    ),
    "charity_reuse": _Role(
        "Programme manager",
        ("circular economy", "recycling", "community engagement"),
        ("partnership working", "volunteer management", "funding bids"),
        "I run repair cafés and reuse shops in partnership with councils.",
        "Reuse at household waste recycling centres, repair cafés, volunteer programmes and "
        "measuring tonnes diverted.",
        "Councils that want a reuse partner at their recycling centres.",
    ),
    "nhs_population_health": _Role(
        "Head of population health",
        ("population health", "data", "health inequalities", "adult social care"),
        ("epidemiology", "data analysis", "partnership working"),
        "I lead population health analysis for our integrated care board.",
        "Population health management, linked health and care data, and working with council "
        "public health and social care teams.",
        "Council data teams who want to link data with the NHS safely.",
    ),
    "nhs_partnerships": _Role(
        "Integrated care partnership manager",
        ("adult social care", "hospital discharge", "commissioning", "partnerships"),
        ("partnership working", "commissioning", "programme management"),
        "I support the partnership between the integrated care board and our councils.",
        "Better Care Fund plans, hospital discharge pathways and joint commissioning.",
        "Councils with discharge arrangements that work at weekends.",
    ),
}

BIO_EXTRAS = (
    "Before local government I worked in the voluntary sector.",
    "I joined the council as a graduate trainee and never left.",
    "Outside work I coach a junior football team.",
    "I came to local government from the NHS.",
    "Happy to talk about anything in my profile: message me.",
    "I am a school governor and a keen allotment holder.",
    "I moved into this role from frontline work, which still shapes how I think.",
    "I previously worked in central government and much prefer being close to residents.",
    "I am working towards a part-time master's in public policy.",
    "I live in the area I serve, so I hear about the bins at the school gate.",
)


@dataclass(frozen=True)
class _Person:
    """A demo person: username, name, role key, and a GSS code or partner key."""

    username: str
    name: str
    role: str
    org: str


# Partner organisations are fictional (the councils are real).
PARTNERS: dict[str, tuple[str, str, str]] = {
    "voices": (
        "Westbrook Community Voices",
        OrganisationType.CHARITY,
        "A charity that helps people who use public services shape them. Fictional: created "
        "for the Knowledge Hub demo.",
    ),
    "circular": (
        "Circular Futures Trust",
        OrganisationType.CHARITY,
        "A charity running repair cafés and reuse shops with councils. Fictional: created for "
        "the Knowledge Hub demo.",
    ),
    "icb": (
        "NHS Westbrook Integrated Care Board",
        OrganisationType.HEALTH,
        "The NHS body that plans health services for the area. Fictional: created for the "
        "Knowledge Hub demo.",
    ),
}

PEOPLE: tuple[_Person, ...] = (
    _Person("priya.sharma", "Priya Sharma", "waste_strategy", "E08000009"),  # Trafford
    _Person("gareth.evans", "Gareth Evans", "recycling_officer", "W06000015"),  # Cardiff
    _Person("siobhan.oneill", "Siobhan O'Neill", "waste_ops", "N09000003"),  # Belfast
    _Person("tom.hughes", "Tom Hughes", "waste_strategy", "E06000052"),  # Cornwall
    _Person("fatima.begum", "Fatima Begum", "recycling_officer", "E08000025"),  # Birmingham
    _Person("callum.macleod", "Callum MacLeod", "waste_ops", "S12000049"),  # Glasgow
    _Person("helen.carter", "Helen Carter", "asc_head", "E10000016"),  # Kent
    _Person("olumide.adeyemi", "Olumide Adeyemi", "asc_commissioning", "E09000028"),  # Southwark
    _Person("rachel.whitfield", "Rachel Whitfield", "asc_commissioning", "E08000035"),  # Leeds
    _Person("maggie.doyle", "Maggie Doyle", "psw", "E08000003"),  # Manchester
    _Person("deepak.patel", "Deepak Patel", "asc_head", "E08000026"),  # Coventry
    _Person("chloe.roberts", "Chloe Roberts", "data_analyst", "E08000009"),  # Trafford
    _Person("james.okoro", "James Okoro", "head_data", "E08000035"),  # Leeds
    _Person("aisha.rahman", "Aisha Rahman", "data_analyst", "E06000023"),  # Bristol
    _Person("ewan.stewart", "Ewan Stewart", "data_analyst", "S12000036"),  # Edinburgh
    _Person("hannah.lewis", "Hannah Lewis", "data_analyst", "W06000011"),  # Swansea
    _Person("ben.whitaker", "Ben Whitaker", "digital_head", "E08000021"),  # Newcastle
    _Person("sophie.turner", "Sophie Turner", "service_designer", "E06000043"),  # Brighton
    _Person("kwame.mensah", "Kwame Mensah", "user_researcher", "E09000022"),  # Lambeth
    _Person("laura.jenkins", "Laura Jenkins", "digital_inclusion", "W06000015"),  # Cardiff
    _Person("niamh.kelly", "Niamh Kelly", "engagement", "N09000003"),  # Belfast
    _Person("daniel.osei", "Daniel Osei", "engagement", "E06000018"),  # Nottingham
    _Person("sarah.thompson", "Sarah Thompson", "engagement", "E06000014"),  # York
    _Person("mark.davies", "Mark Davies", "planning_policy", "E06000052"),  # Cornwall
    _Person("emma.clarke", "Emma Clarke", "planning_policy", "E07000008"),  # Cambridge
    _Person("rob.fletcher", "Rob Fletcher", "planning_enforcement", "E06000043"),  # Brighton
    _Person("zainab.hussain", "Zainab Hussain", "planning_enforcement", "E08000025"),
    _Person("alistair.grant", "Alistair Grant", "principal_planner", "S12000036"),  # Edinburgh
    _Person("katie.morgan", "Katie Morgan", "planning_enforcement", "E07000178"),  # Oxford
    _Person("joe.bennett", "Joe Bennett", "climate", "E06000023"),  # Bristol
    _Person("lucy.chen", "Lucy Chen", "sustainability", "E07000178"),  # Oxford
    _Person("ifan.jones", "Ifan Jones", "sustainability", "W06000011"),  # Swansea
    _Person("rebecca.hall", "Rebecca Hall", "climate", "E08000003"),  # Manchester
    _Person("imran.khan", "Imran Khan", "housing_options", "E08000003"),  # Manchester
    _Person("claire.watson", "Claire Watson", "homelessness", "E06000043"),  # Brighton
    _Person("paul.murphy", "Paul Murphy", "housing_options", "S12000049"),  # Glasgow
    _Person("grace.adebayo", "Grace Adebayo", "homelessness", "E09000028"),  # Southwark
    _Person("andrew.wilson", "Andrew Wilson", "procurement", "E10000016"),  # Kent
    _Person("harriet.shaw", "Harriet Shaw", "social_value", "E08000035"),  # Leeds
    _Person("vikram.singh", "Vikram Singh", "procurement", "E08000025"),  # Birmingham
    _Person("megan.price", "Megan Price", "social_value", "W06000015"),  # Cardiff
    _Person("stuart.campbell", "Stuart Campbell", "cyber", "S12000049"),  # Glasgow
    _Person("nadia.ali", "Nadia Ali", "cyber", "E08000026"),  # Coventry
    _Person("owen.richards", "Owen Richards", "info_gov", "E08000021"),  # Newcastle
    _Person("david.brown", "David Brown", "transformation", "E10000030"),  # Surrey
    _Person("jenny.marshall", "Jenny Marshall", "transformation", "E10000014"),  # Hampshire
    _Person("tariq.mahmood", "Tariq Mahmood", "digital_head", "E06000018"),  # Nottingham
    _Person("eleanor.fox", "Eleanor Fox", "policy", "E06000014"),  # York
    _Person("rhys.powell", "Rhys Powell", "sustainability", "W06000015"),  # Cardiff
    _Person("bethany.cole", "Bethany Cole", "charity_engagement", "partner:voices"),
    _Person("liam.doherty", "Liam Doherty", "charity_reuse", "partner:circular"),
    _Person("aminata.conteh", "Aminata Conteh", "nhs_population_health", "partner:icb"),
    _Person("fiona.walsh", "Fiona Walsh", "nhs_partnerships", "partner:icb"),
)

DEMO_PERSON = _Person(DEMO_USERNAME, "Alex Morgan", "service_designer", "E08000009")
DEMO_BIO = (
    "This is the demo account: sign in with it to see Knowledge Hub from the inside. Alex "
    "facilitates two communities, belongs to a private and a secret one, has asked to join "
    "another and has an invitation waiting."
)


# --- Communities and posts -------------------------------------------------------------------


@dataclass(frozen=True)
class _Post:
    """A blog post to create: author username, title, audience, tags and Markdown body."""

    author: str
    title: str
    audience: str
    tags: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class _Community:
    """A community to create, with its people, pending requests, invitations and posts."""

    name: str
    visibility: str
    description: str
    tags: tuple[str, ...]
    owner: str
    facilitators: tuple[str, ...]
    size: int
    posts: tuple[_Post, ...]
    members: tuple[str, ...] = ()
    requests: tuple[tuple[str, str], ...] = ()
    invitations: tuple[str, ...] = ()


def _md(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


COMMUNITIES: tuple[_Community, ...] = (
    _Community(
        name="Food waste collection",
        visibility=Visibility.OPEN,
        description=(
            "For everyone introducing or running separate food waste collections: round "
            "design, caddies and liners, vehicles, communications and participation. English "
            "councils must collect food waste weekly from 2026; colleagues in Wales, Scotland "
            "and Northern Ireland have done it for years and share what they learned."
        ),
        tags=("food waste", "recycling", "behaviour change", "waste collection"),
        owner="priya.sharma",
        facilitators=("tom.hughes",),
        size=16,
        members=("gareth.evans", "callum.macleod", "siobhan.oneill", "liam.doherty"),
        posts=(
            _Post(
                "tom.hughes",
                "Rolling out weekly food waste collections: what we would do again",
                PUBLIC,
                ("food waste", "waste collection", "communications"),
                _md("""
                    We finished rolling out weekly food waste collections last month, in four
                    phases over eight months. Here is what worked, what did not, and what we
                    would change if we started tomorrow.

                    ## What worked

                    - **Phasing by depot, not by ward.** Each depot changed once, so crews only
                      learned new rounds once and the fleet moved in one go.
                    - **Delivering caddies ourselves.** It cost more than a courier, but the
                      drivers answered questions on the doorstep and we had a record of every
                      property that got one.
                    - **A simple first message.** "Your food waste caddy is coming: here is
                      your first collection day" did better than anything explaining why.

                    ## What did not

                    We underestimated flats. Communal food waste bins need a conversation with
                    every managing agent, and some blocks have nowhere to put them. We paused
                    flats and went back with the housing team three months later.

                    We also learned that participation numbers from the in-cab system are only
                    as good as the crews' reporting. Spot checks on a sample of rounds gave us
                    a much more honest figure.

                    If you are planning your own roll-out, I am happy to share our phasing plan
                    and the letters we sent.
                """),
            ),
            _Post(
                "gareth.evans",
                "Caddy liners: free, on request, or not at all?",
                PUBLIC,
                ("food waste", "behaviour change", "procurement"),
                _md("""
                    We have collected food waste weekly for more than a decade, and the question
                    I am asked most by English colleagues is about liners.

                    Our experience: **free liners raise participation**, and taking them away
                    lowers it. When we moved from liners delivered to every home to liners on
                    request, tonnages dipped for about six months before recovering. Residents
                    told us the "yuck factor" was the main reason they stopped.

                    What helped:

                    1. Tying a roll of liners to the caddy handle on collection day, so the
                       crew could see who was taking part.
                    2. Making liners available in libraries and community hubs, not only by
                       ordering online.
                    3. Being clear that newspaper or any compostable liner works too.

                    Compostable liners are not cheap, so do the sums with your disposal
                    contractor: some anaerobic digestion plants prefer particular liners, and a
                    few accept plastic ones and strip them out.
                """),
            ),
            _Post(
                "fatima.begum",
                "Participation fell after six months. Here is how we got it back",
                MEMBERS,
                ("food waste", "behaviour change", "community engagement"),
                _md("""
                    After a strong launch, our food waste tonnages fell by about a fifth over
                    six months. This is common, but it still stung.

                    We used crew data to find the streets where caddies had stopped coming out,
                    then tried three things on matched groups of streets:

                    - a sticker on the general waste bin reminding people about food waste;
                    - a letter with a free roll of liners;
                    - a door-knock by our recycling advisers, in the main community languages.

                    The sticker alone did almost nothing. The liners gave a modest, short-lived
                    bump. **Door-knocking doubled participation on the streets we visited**, and
                    most of it held three months later. It is the most expensive option, so we
                    now target it at the streets with the lowest participation only.

                    The lesson for us: budget for a second push six months after launch. It is
                    part of the roll-out, not a sign it failed.
                """),
            ),
        ),
    ),
    _Community(
        name="Local Digital data network",
        visibility=Visibility.OPEN,
        description=(
            "A network for council data people: analysts, data engineers, heads of data and "
            "anyone publishing open data. We share code, compare approaches to data standards "
            "and address matching, and help each other with statutory returns."
        ),
        tags=("data", "open data", "data standards", "performance"),
        owner="james.okoro",
        facilitators=("chloe.roberts", DEMO_USERNAME),
        size=18,
        members=("aminata.conteh", "ben.whitaker", "tariq.mahmood"),
        posts=(
            _Post(
                "aisha.rahman",
                "Publishing our first open dataset: the boring bits took longest",
                PUBLIC,
                ("open data", "data", "information governance"),
                _md("""
                    We published our first properly maintained open dataset this spring: the
                    locations and opening hours of our community buildings. The data took an
                    afternoon. Everything around it took three months.

                    The slow parts were:

                    - **Finding an owner.** A dataset without a named person who updates it is
                      out of date within weeks. Facilities agreed to own it once we showed them
                      the same file would feed the website.
                    - **Licensing.** We publish under the Open Government Licence now, but it
                      took a conversation with legal to agree that as the default.
                    - **Checking for personal data.** Two buildings are refuges. They should
                      never have been on the list, and we only caught it in review.

                    The best thing we did was publishing a schema alongside the data and
                    checking every update against it automatically. If you want our checks,
                    they are a short Python script and I am happy to share.
                """),
            ),
            _Post(
                "chloe.roberts",
                "Matching addresses across services with UPRNs",
                PUBLIC,
                ("data", "data standards", "UPRN"),
                _md("""
                    Most of the questions managers ask us are really "which households are
                    known to more than one service?" Answering them depends on matching
                    addresses, and free-text addresses from five systems do not match.

                    We now attach a Unique Property Reference Number to every record we can,
                    using our local land and property gazetteer as the reference:

                    1. Exact matches on the normalised address first (about 70%).
                    2. Fuzzy matching within the same postcode for most of the rest.
                    3. A human check for anything below our confidence threshold.

                    We reached 96% of council tax, housing and revenue records. The hard cases
                    are flats ("Flat 2" versus "2nd floor flat") and new builds that are not
                    in the gazetteer yet.

                    The most useful change was not technical: asking services to capture the
                    UPRN when they first record an address, from a lookup, rather than
                    matching afterwards.
                """),
            ),
            _Post(
                "ewan.stewart",
                "Why our dashboards went unused, and what replaced them",
                PUBLIC,
                ("data visualisation", "performance", "data"),
                _md("""
                    Two years ago we built forty dashboards. Last year we looked at the usage
                    logs: eight were opened more than once a month.

                    When we asked managers why, the answers were consistent. They did not have
                    time to go looking; the dashboards answered questions they had stopped
                    asking; and they did not trust numbers they could not reconcile with their
                    own spreadsheets.

                    What we do now:

                    - **A one-page monthly summary** for each service, written in sentences,
                      with three charts at most, sent by e-mail.
                    - **A named analyst per service** who goes to their management meeting
                      once a quarter.
                    - **Dashboards only where someone uses them daily**, like the contact
                      centre's queue view.

                    We retired thirty dashboards. Nobody has asked for one back.
                """),
            ),
            _Post(
                "james.okoro",
                "Data maturity self-assessment: what fourteen councils told us",
                MEMBERS,
                ("data", "data strategy", "data standards"),
                _md("""
                    Fourteen councils in the network completed the same data maturity
                    self-assessment this year and agreed to share their scores with each other.
                    Some patterns stood out.

                    **Skills and tools scored highest, ownership and quality lowest.** Most of
                    us have capable analysts and decent tools. Few of us have named owners for
                    our key datasets, and fewer measure data quality routinely.

                    **Leadership matters more than size.** Two of the highest scores came from
                    district councils with tiny data teams but a chief executive who asks for
                    evidence in every report.

                    **Everyone struggles with data sharing with health.** Eleven of fourteen
                    named it as their biggest barrier.

                    We will repeat the exercise next year. If your council wants to join, reply
                    here and I will add you to the list.
                """),
            ),
        ),
    ),
    _Community(
        name="Net zero councils",
        visibility=Visibility.OPEN,
        description=(
            "Officers working on climate action and net zero: carbon accounting, retrofit, "
            "electric vehicle charging, heat decarbonisation and engaging residents. Share "
            "what you count, what you fund and what has cut emissions."
        ),
        tags=("climate action", "net zero", "retrofit", "EV charging"),
        owner="rebecca.hall",
        facilitators=("joe.bennett",),
        size=15,
        members=("rhys.powell", "eleanor.fox", "mark.davies", "priya.sharma"),
        posts=(
            _Post(
                "lucy.chen",
                "Measuring scope 3 emissions without a consultancy",
                PUBLIC,
                ("carbon accounting", "net zero", "procurement"),
                _md("""
                    Our own buildings and fleet are a small share of the council's carbon
                    footprint. Most of it sits in what we buy. Here is how we made a first
                    estimate in house.

                    1. We took a year of spend from the finance system, grouped by
                       procurement category.
                    2. We applied published spend-based emissions factors to each category.
                    3. We replaced the spend-based figure with supplier data for our ten
                       largest contracts, where suppliers could give it.

                    The result is rough, and we say so in every report. But it showed that
                    construction and waste contracts dwarf everything else, which is where we
                    now focus supplier engagement.

                    Lesson learned: spend-based factors penalise paying more, so a greener but
                    dearer contract can look worse. Move to supplier data for big contracts as
                    soon as you can.
                """),
            ),
            _Post(
                "ifan.jones",
                "Retrofitting council homes: lessons from the first year",
                PUBLIC,
                ("retrofit", "housing", "net zero"),
                _md("""
                    We have retrofitted our first 400 council homes with insulation, heat pumps
                    and solar panels. Bills are down for most tenants, but not all, and the
                    difference taught us a lot.

                    **What worked:** a whole-house survey before any work, a named liaison
                    officer for every street, and a show home where tenants could see a heat
                    pump running before agreeing to one.

                    **What did not:** handing tenants a manual on the day the heat pump went
                    in. Heat pumps work best left on at a steady temperature, which is the
                    opposite of what most people are used to. Homes where we went back after
                    two weeks to adjust settings saw much better results.

                    We now budget a follow-up visit into every installation, and we train
                    housing officers to answer the basic questions.
                """),
            ),
            _Post(
                "joe.bennett",
                "On-street EV charging: the permissions we forgot",
                PUBLIC,
                ("EV charging", "highways", "net zero"),
                _md("""
                    We planned our first 200 on-street chargers around demand and grid capacity.
                    Then the permissions caught up with us.

                    Things we should have started sooner:

                    - **Traffic regulation orders** for the charging bays, with their own
                      consultation and objections.
                    - **Grid connections**: the network operator's timescales, not ours, set
                      the pace, and some sites needed new cabling.
                    - **Conservation areas**, where the design of the charge point needed
                      agreeing with planning.
                    - **Pavement width**: some sites failed our own accessibility standard
                      once we measured them.

                    We now run a permissions check on every candidate site before it goes on a
                    map that residents can see. It saves a lot of disappointment.
                """),
            ),
        ),
    ),
    _Community(
        name="Adult social care commissioning",
        visibility=Visibility.RESTRICTED,
        description=(
            "For commissioners of adult social care: home care, care homes, support for "
            "unpaid carers, market shaping and working with the NHS. Open to commissioners "
            "and their partners; ask to join and a facilitator will let you in."
        ),
        tags=("adult social care", "commissioning", "market shaping", "home care"),
        owner="helen.carter",
        facilitators=("olumide.adeyemi",),
        size=12,
        members=("maggie.doyle", "andrew.wilson"),
        requests=(
            (
                "fiona.walsh",
                "I manage our integrated care partnership and work with councils on discharge. "
                "I would like to learn from commissioners here.",
            ),
            (
                "bethany.cole",
                "We support lived experience panels for two councils' commissioning teams.",
            ),
        ),
        invitations=("commissioning.lead@" + EMAIL_DOMAIN,),
        posts=(
            _Post(
                "helen.carter",
                "Outcomes-based home care: eighteen months in",
                COMMUNITY,
                ("home care", "commissioning", "adult social care"),
                _md("""
                    Eighteen months ago we moved home care from time-and-task contracts to an
                    outcomes-based framework in two of our four areas. Here is an honest
                    update.

                    **The good:** providers say they have more freedom to work with people
                    flexibly, and people using services tell us visits feel less rushed.
                    Staff turnover at the two pilot providers fell.

                    **The hard:** outcomes are harder to monitor than minutes. Our first set of
                    outcome measures was too long, and providers spent time filling in forms
                    rather than supporting people. We cut it from fourteen measures to five.

                    **Still unresolved:** how to pay fairly when someone's needs fall because
                    the care worked. Under the old model, the provider would lose hours. We are
                    trialling a bonus for outcomes achieved, but it is early.

                    I would welcome comparisons with anyone else trying this.
                """),
            ),
            _Post(
                "deepak.patel",
                "Explaining the cost of care to providers",
                COMMUNITY,
                ("market shaping", "adult social care", "commissioning"),
                _md("""
                    When we published our cost of care figures, the hardest part was not the
                    numbers but the conversation about them.

                    What helped us:

                    - Showing providers the model, including every assumption, before
                      publishing it.
                    - Separating the "what care costs" conversation from the "what we can
                      afford" conversation. Mixing the two made both impossible.
                    - Meeting small providers separately: their costs are different and they
                      were drowned out in the large forum.

                    We did not reach agreement on everything. We did reach a place where
                    providers trusted that we had listened, which made the fee uplift
                    conversation this year far easier.
                """),
            ),
            _Post(
                "rachel.whitfield",
                "Direct payments: what carers told us",
                MEMBERS,
                ("unpaid carers", "adult social care", "co-production"),
                _md("""
                    Direct payment take-up among carers was lower than we expected, so we asked
                    thirty carers why.

                    The reasons were practical. Carers were worried about becoming an employer,
                    the paperwork was daunting, and many did not know what they could spend the
                    money on.

                    We changed three things with carers' help: a one-page guide written by
                    carers, a managed account option so nobody has to become an employer, and
                    a list of real examples of what other carers have used payments for.

                    Take-up rose by about a third in six months. The guide is the thing
                    people mention most.
                """),
            ),
        ),
    ),
    _Community(
        name="Planning enforcement",
        visibility=Visibility.RESTRICTED,
        description=(
            "Planning enforcement officers and managers comparing notes on case management, "
            "notices, appeals and prosecutions. Ask to join: we check that members work in "
            "planning so that people feel able to discuss live cases in general terms."
        ),
        tags=("planning enforcement", "planning", "GIS"),
        owner="rob.fletcher",
        facilitators=("zainab.hussain",),
        size=10,
        members=("katie.morgan", "alistair.grant"),
        requests=(
            (
                DEMO_USERNAME,
                "I am designing our online planning enforcement reporting form and would like "
                "to understand what officers need from it.",
            ),
            (
                "emma.clarke",
                "I work in planning policy and want to understand enforcement pressures "
                "before we write our next local enforcement plan.",
            ),
        ),
        posts=(
            _Post(
                "rob.fletcher",
                "Clearing a backlog of 600 enforcement cases",
                COMMUNITY,
                ("planning enforcement", "case management"),
                _md("""
                    Two years ago our team of four had over 600 open enforcement cases, some
                    more than five years old. We are now under 200. Here is how.

                    **We published a local enforcement plan with clear priorities.** Harm to
                    listed buildings, trees and public safety first; minor householder breaches
                    last. It gave us cover to close low-harm cases.

                    **We triaged every case within five working days.** A quick site visit or
                    desk check decides the priority, and complainants are told the priority and
                    what it means.

                    **We closed cases that were not expedient to pursue**, with a short written
                    reason. This was the biggest single change.

                    Complaints about us went down, not up, because people were told what would
                    happen and when.
                """),
            ),
            _Post(
                "katie.morgan",
                "Using aerial imagery to spot unauthorised development",
                COMMUNITY,
                ("planning enforcement", "GIS", "data"),
                _md("""
                    We compared aerial imagery from two years, a year apart, to find new
                    structures, then checked them against planning applications.

                    The first run flagged about 300 changes. Most had permission or did not
                    need it. Around forty were worth a look, and a dozen turned into cases.

                    Things to know before you try it:

                    - Imagery licensing can limit what you may do with it; check first.
                    - Tree cover and shadows cause false positives.
                    - You need a clear policy on proactive enforcement, or it looks like
                      surveillance. Our committee agreed one before we started.

                    It is not a replacement for complaints, but it found breaches nobody had
                    reported.
                """),
            ),
            _Post(
                "zainab.hussain",
                "Writing enforcement notices that survive appeal",
                MEMBERS,
                ("planning enforcement", "planning appeals"),
                _md("""
                    We lost two appeals last year on the wording of our notices rather than on
                    the planning merits. Since then we follow a short checklist:

                    1. Describe the breach exactly as it is on the ground, with a plan.
                    2. Make every requirement something a person can do and we can check.
                    3. Give a period for compliance that we could defend as reasonable.
                    4. Have a second officer read the notice cold before it is served.

                    The second read catches more than anything else on the list.
                """),
            ),
        ),
    ),
    _Community(
        name="Co-production with residents",
        visibility=Visibility.RESTRICTED,
        description=(
            "For people who design services with residents rather than for them: engagement "
            "officers, designers, researchers and the voluntary sector. We share methods, "
            "payment policies, and honest accounts of what went wrong."
        ),
        tags=("co-production", "community engagement", "user research", "equalities"),
        owner="niamh.kelly",
        facilitators=(DEMO_USERNAME, "daniel.osei"),
        size=14,
        members=("bethany.cole", "sophie.turner", "sarah.thompson"),
        requests=(
            (
                "kwame.mensah",
                "I run research with residents in libraries and hubs and would like to share "
                "what we have learned.",
            ),
            (
                "laura.jenkins",
                "Our digital inclusion work is moving towards co-designed support. I would "
                "love to learn from this group.",
            ),
            (
                "aminata.conteh",
                "We are setting up a community panel for our population health work.",
            ),
        ),
        posts=(
            _Post(
                "daniel.osei",
                "Paying residents for their time: our policy and why it took a year",
                COMMUNITY,
                ("co-production", "community engagement", "equalities"),
                _md("""
                    We now pay residents who take part in co-design work. Getting there took a
                    year, mostly because of questions nobody had asked before.

                    **Benefits.** Payments can affect Universal Credit and other benefits. We
                    worked with our welfare rights team on clear guidance, and we offer
                    vouchers or payment to a third party where people prefer it.

                    **Tax and payroll.** Finance initially wanted every participant set up as
                    a supplier. We agreed a simpler route for small, occasional payments.

                    **Fairness.** We pay the same hourly rate for every kind of participation,
                    and we pay for travel and care costs on top.

                    If you are writing your own policy, start with welfare rights, not finance.
                """),
            ),
            _Post(
                "sarah.thompson",
                "Co-designing library services with young people",
                COMMUNITY,
                ("co-production", "libraries", "young people"),
                _md("""
                    We asked twelve young people aged 14 to 19 to help redesign what our
                    libraries offer teenagers. They met eight times over a term, were paid, and
                    had a budget to spend.

                    What they chose surprised us: quiet study space after school mattered far
                    more than events, and they wanted phone charging and free sanitary products
                    before anything else.

                    What we got wrong: we held the first sessions during the school day, so
                    only students whose schools agreed could come. Moving to evenings changed
                    who took part.

                    The group has now interviewed candidates for our new youth librarian post.
                """),
            ),
            _Post(
                "bethany.cole",
                "What co-production is not: the checklist we use",
                MEMBERS,
                ("co-production", "community engagement"),
                _md("""
                    We are often asked to "co-produce" something that has already been decided.
                    This checklist helps us, and the councils we work with, be honest about
                    what is on offer.

                    It is **not co-production** if:

                    - the decision has been made and you are asking for comments;
                    - residents cannot change the budget, the timetable or the question;
                    - people with lived experience are invited to one meeting, at the end;
                    - nobody is paid for their time but everyone else in the room is.

                    Consultation and engagement are valuable. Calling them co-production
                    damages trust when people find out.
                """),
            ),
        ),
    ),
    _Community(
        name="Homelessness prevention leads",
        visibility=Visibility.PRIVATE,
        description=(
            "A private group for managers of housing options and homelessness prevention "
            "services to share data, practice and pressures, including temporary "
            "accommodation costs. Members join by invitation."
        ),
        tags=("homelessness prevention", "housing", "temporary accommodation"),
        owner="claire.watson",
        facilitators=("imran.khan",),
        size=8,
        members=("grace.adebayo",),
        invitations=("paul.murphy", "housing.options@" + EMAIL_DOMAIN),
        posts=(
            _Post(
                "claire.watson",
                "Temporary accommodation costs: the numbers behind our budget pressure",
                COMMUNITY,
                ("temporary accommodation", "housing", "budgets"),
                _md("""
                    Temporary accommodation is now our single largest budget pressure outside
                    social care. I was asked to explain why to councillors, and this is the
                    short version.

                    - **More households**: the number of families in temporary accommodation
                      has risen every quarter for three years.
                    - **Longer stays**: fewer social lets and a shrinking private rented
                      market mean households stay longer.
                    - **The subsidy gap**: housing benefit subsidy for much of our temporary
                      accommodation is capped at rates set many years ago, so we lose money on
                      every nightly-paid placement.

                    What is helping: buying our own properties to use as temporary homes,
                    which costs less than nightly lets within a few years, and a dedicated
                    team to move households on.

                    I am happy to share the councillor briefing with members here.
                """),
            ),
            _Post(
                "grace.adebayo",
                "Getting referrals earlier from the NHS and probation",
                COMMUNITY,
                ("homelessness prevention", "partnerships"),
                _md("""
                    Most referrals we receive under the duty to refer arrive too late to
                    prevent homelessness: the day before discharge or release.

                    Two things have made a difference:

                    1. **A named housing officer for each hospital and probation office**, who
                       visits weekly. Referrals come earlier when people know who to call.
                    2. **A shorter referral form**, agreed with partners, asking only what we
                       need to start.

                    Referrals from the hospital now arrive a median of nine days before
                    discharge, up from one. Probation is harder; release dates move.
                """),
            ),
        ),
    ),
    _Community(
        name="Procurement and social value",
        visibility=Visibility.PRIVATE,
        description=(
            "A private group for procurement professionals: the Procurement Act 2023 in "
            "practice, social value, supplier engagement and contract management. Members "
            "share documents they cannot publish, so membership is by invitation."
        ),
        tags=("procurement", "social value", "contract management", "Procurement Act 2023"),
        owner="andrew.wilson",
        facilitators=("harriet.shaw",),
        size=9,
        members=(DEMO_USERNAME, "megan.price", "lucy.chen"),
        invitations=("vikram.singh",),
        posts=(
            _Post(
                "andrew.wilson",
                "Procurement Act 2023: getting our notices right",
                COMMUNITY,
                ("Procurement Act 2023", "procurement", "transparency"),
                _md("""
                    The new regime has many more notices than the old one, and the central
                    platform does not forgive mistakes. What we changed in our first months:

                    - **One owner per procurement** for every notice from pipeline to contract
                      termination, rather than handing notices between teams.
                    - **A calendar of notice deadlines** generated from each procurement plan.
                    - **Training for budget holders** on what triggers a contract change
                      notice. This was the notice we missed most.

                    We also found that our contract register did not hold half the
                    information the notices need. Fixing the register was the real work.
                """),
            ),
            _Post(
                "harriet.shaw",
                "Social value: measuring what was delivered, not what was promised",
                COMMUNITY,
                ("social value", "contract management"),
                _md("""
                    For years we scored social value commitments at tender and rarely checked
                    what was delivered. When we did check, a sample of contracts had delivered
                    around half of what was promised.

                    What we do now:

                    1. Social value commitments are written into the contract as deliverables,
                       with dates.
                    2. Contract managers review them quarterly, alongside performance.
                    3. We publish a yearly summary of what suppliers delivered, by name.

                    Publishing by name did more than any contract clause. Suppliers now ask us
                    how to report their delivery.
                """),
            ),
            _Post(
                "megan.price",
                "Splitting contracts into lots so local suppliers can bid",
                COMMUNITY,
                ("procurement", "social value", "community wealth building"),
                _md("""
                    Our grounds maintenance contract used to go to one large supplier. We split
                    it into five geographic lots and capped how many one supplier could win.

                    Three local firms won lots. Costs rose slightly overall, but more of the
                    money stays in the local economy, and the service is more responsive.

                    The catch: five contracts take more managing than one. Budget for contract
                    management time before you split.
                """),
            ),
        ),
    ),
    _Community(
        name="Cyber incident peer support",
        visibility=Visibility.SECRET,
        description=(
            "A closed group for council security leads to share indicators of compromise, "
            "incident write-ups and supplier issues in confidence. The group is hidden and "
            "membership is by invitation from a facilitator."
        ),
        tags=("cyber security", "incident response", "resilience"),
        owner="stuart.campbell",
        facilitators=("nadia.ali",),
        size=6,
        members=(DEMO_USERNAME, "owen.richards"),
        invitations=("security.lead@" + EMAIL_DOMAIN,),
        posts=(
            _Post(
                "nadia.ali",
                "Ransomware exercise: what our cabinet asked",
                COMMUNITY,
                ("incident response", "cyber security", "resilience"),
                _md("""
                    We ran a ransomware tabletop exercise with the leadership team and cabinet
                    members, using a scenario built from the National Cyber Security Centre's
                    exercise materials.

                    The questions they asked were not technical:

                    - How do we pay staff and suppliers if finance systems are down?
                    - Who decides whether to tell residents, and what do we say?
                    - Which services must keep running, and do they have paper fallbacks?

                    We could not answer the first two with confidence. We now have a payroll
                    contingency agreed with our bank and a pre-approved holding statement.
                """),
            ),
            _Post(
                "owen.richards",
                "Phishing simulations: results and what we changed",
                COMMUNITY,
                ("cyber security", "information governance"),
                _md("""
                    Our quarterly phishing simulations had a steady click rate of about one in
                    ten. Shaming didn't help. Making reporting easy did.

                    We added a "report phishing" button to the mail client and thanked every
                    person who used it, including for real messages. Reports doubled, and the
                    click rate fell.

                    The department with the highest click rate was the one with the most
                    agency staff, who had never had our training. Induction now includes it.
                """),
            ),
        ),
    ),
    _Community(
        name="Local government reorganisation: digital leads",
        visibility=Visibility.SECRET,
        description=(
            "A confidential space for digital and data leads in areas going through local "
            "government reorganisation, to plan systems, data migration and contracts before "
            "decisions are public. Hidden from everyone who is not a member."
        ),
        tags=("local government reorganisation", "digital", "transformation"),
        owner="david.brown",
        facilitators=("jenny.marshall",),
        size=6,
        members=("ben.whitaker",),
        invitations=(DEMO_USERNAME, "tariq.mahmood"),
        posts=(
            _Post(
                "david.brown",
                "Merging case management systems: first decisions",
                COMMUNITY,
                ("local government reorganisation", "digital", "data migration"),
                _md("""
                    Across the councils in our area we run three different case management
                    systems for the same service. The new authority needs one.

                    Our first decisions:

                    1. **Pick the target system on contract and data grounds first.** The
                       system with the longest remaining contract and the cleanest data export
                       is the starting point, unless there is a strong reason otherwise.
                    2. **Start data mapping now**, long before vesting day. It is the slowest
                       part of any migration.
                    3. **Freeze customisations** in all three systems from today.

                    The hardest conversation has been with teams attached to their system. We
                    are running joint demos so people can see each other's ways of working.
                """),
            ),
            _Post(
                "jenny.marshall",
                "Keep the staffing and systems timelines apart",
                COMMUNITY,
                ("local government reorganisation", "transformation"),
                _md("""
                    We tried to align the systems timeline with the staff consultation. It
                    made both harder: staff could not comment on processes that did not exist
                    yet, and systems decisions waited on structures.

                    We now plan systems to work for vesting day with the least change, and
                    redesign processes after structures are settled. It is slower overall, but
                    each step is one people can cope with.
                """),
            ),
        ),
    ),
)

PERSONAL_POSTS: tuple[_Post, ...] = (
    _Post(
        "kwame.mensah",
        "Ten things I have learned running research sessions in libraries",
        PUBLIC,
        ("user research", "libraries", "accessibility"),
        _md("""
            Libraries are the best place I know to meet residents who do not usually take part
            in research. A few things I have learned:

            1. Book the quiet room, then do half the sessions at the front desk anyway.
            2. Library staff know who is struggling with online services. Ask them first.
            3. Bring a laptop and a phone: people show you how they really use services.
            4. Pay people on the day, in the way they prefer.
            5. Short sessions work better than long ones.
            6. Have large-print versions of everything.
            7. Plan for interpreters; do not rely on family members.
            8. Tell people what happened because of their help.
            9. Never go alone.
            10. Thank the library team properly: they made it happen.
        """),
    ),
    _Post(
        "laura.jenkins",
        "Digital inclusion is not only about devices",
        PUBLIC,
        ("digital inclusion", "libraries"),
        _md("""
            When we started lending tablets, we thought the device was the barrier. For most
            people it was not.

            The people we work with tell us about cost of data, confidence, fear of scams and
            simply not having anyone to ask. A free tablet without data or support ends up in
            a drawer.

            Our offer now starts with a conversation, then support from a digital champion,
            then data, and only then a device if it is still needed. Fewer devices go out, and
            far more are still in use six months later.
        """),
    ),
    _Post(
        "eleanor.fox",
        "Writing for councillors: a one-page briefing template",
        MEMBERS,
        ("policy", "briefing councillors"),
        _md("""
            Councillors read a great deal, often late at night. Our briefings now follow one
            page and four headings:

            - **What is the decision or issue?** One sentence.
            - **What do you need to know?** Three to five bullet points.
            - **What are the options?** With the one we recommend first.
            - **Who is affected, and how?** Including equalities.

            Appendices hold the detail for anyone who wants it. Feedback has been positive,
            and report-writing takes officers less time.
        """),
    ),
    _Post(
        "aminata.conteh",
        "What integrated care boards want from council data teams",
        PUBLIC,
        ("population health", "data", "health inequalities"),
        _md("""
            I am often asked what the NHS wants from council data. Here is my short answer.

            We want to understand the wider determinants of health: housing, income,
            employment, social care. Councils hold much of this data. Linked with health data,
            it helps us find people who would benefit from earlier support.

            What makes it work: a data sharing agreement both sides understand, agreed
            pseudonymisation, a shared question to answer first, and analysts who talk to each
            other regularly rather than exchanging files.

            Start small. One question, answered well, builds the trust to do more.
        """),
    ),
)


# --- Building it ------------------------------------------------------------------------------
