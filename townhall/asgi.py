import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.base")

django_application = get_asgi_application()

from townhall.media.asgi import TusBodyLimit  # noqa: E402  (needs the apps loaded)

application = TusBodyLimit(django_application)
