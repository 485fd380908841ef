from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("", views.community_list, name="list"),
    path("new/", views.community_create_view, name="create"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("<slug:slug>/", views.community_detail, name="detail"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/request/", views.request_to_join, name="request"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke"),
    path("<slug:slug>/requests/<int:pk>/<str:decision>/", views.decide_request, name="decide"),
    path("<slug:slug>/members/<int:user_id>/remove/", views.remove_member, name="remove"),
    path("<slug:slug>/members/<int:user_id>/role/", views.set_role, name="role"),
    path("<slug:slug>/transfer/", views.transfer, name="transfer"),
]
