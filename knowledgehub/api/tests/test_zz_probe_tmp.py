import base64, json
import pytest
from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.testing.factories import community_with

pytestmark = pytest.mark.django_db


def _auth(user, scope="read"):
    _, raw = PersonalAccessToken.issue(user=user, name="t", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def cur(d):
    return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")


HUGE = 10**30


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/webhooks/{HUGE}",
        f"/api/v1/webhooks/{HUGE}/deliveries",
    ],
)
def test_huge_webhook(client, alice, path):
    r = client.get(path, **_auth(alice))
    print(path, r.status_code, r.content[:200])


def test_huge_web(client, alice):
    client.force_login(alice)
    for p in [
        f"/developers/webhooks/{HUGE}/",
        f"/developers/tokens/{HUGE}/revoke/",
        f"/developers/apps/{HUGE}/",
        f"/developers/authorised/{HUGE}/revoke/",
    ]:
        try:
            r = client.get(p)
            print(p, r.status_code)
        except Exception as e:
            print(p, "EXC", type(e))


def test_cursors(client, alice, bob):
    c = community_with(alice, members=(bob,))
    for d in [
        {"s": "name", "v": "x", "id": 1e400},
        {"s": "name", "v": "x", "id": HUGE},
        {"s": "name", "v": "x", "id": "NaN"},
    ]:
        raw = cur(d).replace("1e+400", "Infinity")
        s = json.dumps(d).replace("1e+400", "Infinity").replace("Infinity", "Infinity")
        raw = base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
        try:
            r = client.get("/api/v1/communities", {"cursor": raw})
            print(s, r.status_code, r.content[:150])
        except Exception as e:
            print("EXC", e)
    for d in [{"o": HUGE, "k": f"members:{c.pk}"}, {"o": 2**62, "k": f"members:{c.pk}"}]:
        r = client.get(f"/api/v1/communities/{c.slug}/members", {"cursor": cur(d)})
        print(d, r.status_code, r.content[:150])
    r = client.get("/api/v1/organisations", {"limit": HUGE})
    print("limit", r.status_code, r.content[:150])
