from django.urls import path

from . import views

app_name = "social"

urlpatterns = [
    path("@<str:handle>", views.profile, name="profile"),
    path("v/<str:public_id>", views.video_page, name="video"),
    # Follows, blocks, mutes
    # Likes, comments, shares
    # Views, watch history, hashtags, search
    path("tag/<str:tag>", views.hashtag, name="hashtag"),
    path("search", views.search, name="search"),
    path("settings/history", views.history, name="history"),
]
