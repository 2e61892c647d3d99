from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "townhall.media"
    verbose_name = "Media: uploads, transcoding, playback"
