from django.urls import path

from . import views

app_name = "media"

urlpatterns = [
    path("upload", views.upload, name="upload"),
    path("upload/<str:upload_id>/cancel", views.upload_terminate, name="upload_terminate"),
    # Before the files: no rendition is named "status".
    path("v/<str:public_id>/status", views.video_status, name="video_status"),
    path("v/<str:public_id>/<path:name>", views.video_file, name="video_file"),
]
