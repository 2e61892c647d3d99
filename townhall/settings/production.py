"""Production settings: the documented template for a real deployment.

Start from these (``DJANGO_SETTINGS_MODULE=townhall.settings.production``) and set the variables
listed in ``docs/configuration.md``. ``townhall check --deploy`` passes with them.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("TOWNHALL_DEBUG", False)
SECRET_KEY = env("TOWNHALL_SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "TOWNHALL_SECRET_KEY must be set to a random value of at least 50 characters in production"
    )

SECURE_SSL_REDIRECT = env_bool("TOWNHALL_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("TOWNHALL_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("TOWNHALL_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
