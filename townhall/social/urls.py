from django.urls import path

from . import views

app_name = "social"

urlpatterns = [
    path("@<str:handle>", views.profile, name="profile"),
    path("v/<str:public_id>", views.video_page, name="video"),
    # Follows, blocks, mutes
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
]
