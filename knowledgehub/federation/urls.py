from django.urls import URLPattern, path

from . import views
from .choices import ActorKind

app_name = "federation"

C = {"kind": ActorKind.COMMUNITY}
P = {"kind": ActorKind.PERSON}

urlpatterns: list[URLPattern] = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_index, name="nodeinfo_index"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path("ap/inbox", views.shared_inbox, name="shared_inbox"),
    path("ap/items/<int:item_id>", views.item_object, name="item"),
    path("ap/communities/<slug:slug>", views.community, name="community"),
    path("ap/communities/<slug:key>/outbox", views.outbox, C, name="community_outbox"),
    path("ap/communities/<slug:key>/followers", views.followers, C, name="community_followers"),
    path("ap/communities/<slug:key>/inbox", views.inbox, C, name="community_inbox"),
    path("ap/people/<str:username>", views.person, name="person"),
    path("ap/people/<str:key>/outbox", views.outbox, P, name="person_outbox"),
    path("ap/people/<str:key>/followers", views.followers, P, name="person_followers"),
    path("ap/people/<str:key>/inbox", views.inbox, P, name="person_inbox"),
    path("federation/settings/", views.opt_in, name="settings"),
]
