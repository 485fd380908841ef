from django.urls import path

from . import views

app_name = "forums"

urlpatterns = [
    path("", views.category_list, name="index"),
    path("new-category/", views.category_create_view, name="category_create"),
    path("t/<int:thread_id>/", views.thread_detail, name="thread"),
    path("t/<int:thread_id>/reply/", views.reply_create_view, name="reply"),
    path("t/<int:thread_id>/quote/<int:reply_id>/", views.reply_quote_view, name="quote"),
    path("t/<int:thread_id>/pin/", views.thread_pin_view, name="pin"),
    path("t/<int:thread_id>/lock/", views.thread_lock_view, name="lock"),
    path("t/<int:thread_id>/move/", views.thread_move_view, name="move"),
    path("t/<int:thread_id>/answer/<int:reply_id>/", views.thread_answer_view, name="answer"),
    path("t/<int:thread_id>/edit/", views.thread_edit_view, name="thread_edit"),
    path("t/<int:thread_id>/delete/", views.thread_delete_view, name="thread_delete"),
    path("t/<int:thread_id>/r/<int:reply_id>/edit/", views.reply_edit_view, name="reply_edit"),
    path(
        "t/<int:thread_id>/r/<int:reply_id>/delete/", views.reply_delete_view, name="reply_delete"
    ),
    path(
        "t/<int:thread_id>/r/<int:reply_id>/history/",
        views.reply_history_view,
        name="reply_history",
    ),
    path("<slug:category_slug>/", views.category_detail, name="category"),
    path("<slug:category_slug>/new/", views.thread_create_view, name="thread_create"),
]
