from django.urls import path

from . import views

app_name = "feeds"

urlpatterns = [
    path("following", views.following, name="following"),
]
