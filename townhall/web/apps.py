from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "townhall.web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from pathlib import Path

        from django.conf import settings

        # WhiteNoise warns on every start when the collected-static folder is missing.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
