from django.conf import settings
from django.urls import URLPattern, path

from . import views

app_name = "web"


def _media_patterns() -> list[URLPattern]:
    """Public media are served from here when MEDIA_URL is on this site (not a CDN or bucket)."""
    prefix = settings.MEDIA_URL
    if not prefix.startswith("/") or prefix.startswith("//") or prefix == "/":
        return []
    return [path(f"{prefix.strip('/')}/<path:path>", views.media, name="media")]


urlpatterns = [
    path("", views.home, name="home"),
    *_media_patterns(),
]
