from django.urls import path

from . import views

app_name = "social"

urlpatterns = [
    path("@<str:handle>", views.profile, name="profile"),
    path("v/<str:public_id>", views.video_page, name="video"),
    # Follows, blocks, mutes
    path("@<str:handle>/follow", views.follow, name="follow"),
    path("@<str:handle>/block", views.block, name="block"),
    path("@<str:handle>/mute", views.mute, name="mute"),
    path("@<str:handle>/followers", views.followers, name="followers"),
    path("@<str:handle>/following", views.following, name="following"),
    path("settings/follow-requests", views.follow_requests, name="follow_requests"),
    path(
        "settings/follow-requests/approve-all",
        views.follow_requests_approve_all,
        name="follow_requests_approve_all",
    ),
    path(
        "settings/follow-requests/<str:handle>/approve",
        views.follow_request_decide,
        {"decision": "approve"},
        name="follow_request_approve",
    ),
    path(
        "settings/follow-requests/<str:handle>/deny",
        views.follow_request_decide,
        {"decision": "deny"},
        name="follow_request_deny",
    ),
    path("settings/blocked", views.settings_blocked, name="settings_blocked"),
    path("settings/muted", views.settings_muted, name="settings_muted"),
    # Likes, comments, shares
    path("v/<str:public_id>/like", views.video_like, name="video_like"),
    path("v/<str:public_id>/share", views.video_share, name="video_share"),
    path("v/<str:public_id>/comments", views.comment_create_view, name="comment_create"),
    path("v/<str:public_id>/pin", views.comment_pin_view, name="comment_pin"),
    path(
        "v/<str:public_id>/comment-settings",
        views.comment_settings_view,
        name="comment_settings",
    ),
    path("comments/<int:comment_id>/delete", views.comment_delete_view, name="comment_delete"),
    path("comments/<int:comment_id>/like", views.comment_like_view, name="comment_like"),
    path("comments/<int:comment_id>/replies", views.comment_replies, name="comment_replies"),
    path("embed/<str:public_id>", views.embed, name="embed"),
    # Views, watch history, hashtags, search
    path("tag/<str:tag>", views.hashtag, name="hashtag"),
    path("search", views.search, name="search"),
    path("settings/history", views.history, name="history"),
]
