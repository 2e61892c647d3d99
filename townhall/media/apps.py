from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "townhall.media"
    verbose_name = "Media: uploads, transcoding, playback"

    def ready(self) -> None:
        from townhall.accountdata.hooks import hooks_register

        from .hooks import HOOKS

        hooks_register(HOOKS)
