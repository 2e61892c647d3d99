"""Settings shared by every environment.

Everything an operator may change is read from an environment variable here (and only here),
with a development default; ``docs/configuration.md`` lists them all. ``production.py`` tightens
these defaults for a real deployment and ``test.py`` adjusts them for the test suite.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from townhall.regions.config import check_default_region, parse_country_policy, parse_regions

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- Defaults an operator may change ----------------------------------------------------------

DEBUG = env_bool("TOWNHALL_DEBUG", True)
SECRET_KEY = env("TOWNHALL_SECRET_KEY", "django-insecure-development-only-key-change-me")
ALLOWED_HOSTS = env_list("TOWNHALL_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("TOWNHALL_CSRF_TRUSTED_ORIGINS", "")
VAR_DIR = Path(env("TOWNHALL_VAR_DIR", str(BASE_DIR / "var")))
MEDIA_ROOT = Path(env("TOWNHALL_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = env("TOWNHALL_MEDIA_URL", "/media/")
STATIC_ROOT = Path(env("TOWNHALL_STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
DATABASE_URL = env("TOWNHALL_DATABASE_URL", f"sqlite:///{VAR_DIR / 'townhall.sqlite3'}")
TOWNHALL_SITE_NAME = env("TOWNHALL_SITE_NAME", "townhall")

# --- Databases and regions -------------------------------------------------------------------

# SQLite is the embedded default: WAL lets readers work while one writer writes, and IMMEDIATE
# transactions take the write lock up front instead of failing half-way with "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

_default_db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=0))
if _default_db["ENGINE"].endswith("sqlite3"):
    _default_db.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)

TOWNHALL_REGIONS = parse_regions(
    env("TOWNHALL_REGIONS"),
    default_db=_default_db,
    var_dir=VAR_DIR,
    media_root=MEDIA_ROOT,
    db_options=SQLITE_OPTIONS,
)
TOWNHALL_DEFAULT_REGION = check_default_region(env("TOWNHALL_DEFAULT_REGION"), TOWNHALL_REGIONS)
TOWNHALL_REGION_BY_COUNTRY = parse_country_policy(
    env("TOWNHALL_REGION_BY_COUNTRY"), TOWNHALL_REGIONS
)

DATABASES: dict[str, dict[str, Any]] = {"default": _default_db}
for _region in TOWNHALL_REGIONS.values():
    DATABASES[_region.db_alias] = _region.database
    DATABASES[_region.keyring_alias] = _region.keyring
DATABASE_ROUTERS = ["townhall.regions.router.RegionRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "public"), "base_url": MEDIA_URL},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
for _region in TOWNHALL_REGIONS.values():
    # Protected files of a region never get a public URL: they are served through views that
    # check permissions (see docs/regions.md).
    STORAGES[_region.storage_alias] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _region.media_root, "base_url": None},
    }

# TOWNHALL_STORAGE=s3 moves media to S3-compatible object storage (AWS S3, MinIO, Ceph, R2...):
# public files to TOWNHALL_S3_BUCKET, each region's sealed files to TOWNHALL_S3_BUCKET-<code>.
# Every URL the storage hands out is signed and expires (querystring auth); set
# TOWNHALL_S3_CUSTOM_DOMAIN to serve public files from a CDN instead (see docs/media.md).
TOWNHALL_STORAGE = env("TOWNHALL_STORAGE", "file")
if TOWNHALL_STORAGE == "s3":
    TOWNHALL_S3_BUCKET = env("TOWNHALL_S3_BUCKET")
    if not TOWNHALL_S3_BUCKET:
        raise ImproperlyConfigured("TOWNHALL_STORAGE=s3 needs TOWNHALL_S3_BUCKET")
    _s3_options: dict[str, Any] = {
        "endpoint_url": env("TOWNHALL_S3_ENDPOINT_URL") or None,
        "region_name": env("TOWNHALL_S3_REGION_NAME") or None,
        "access_key": env("TOWNHALL_S3_ACCESS_KEY_ID") or None,
        "secret_key": env("TOWNHALL_S3_SECRET_ACCESS_KEY") or None,
        "querystring_auth": True,
        "querystring_expire": int(env("TOWNHALL_S3_QUERYSTRING_EXPIRE", "300")),
        "signature_version": "s3v4",
        "default_acl": None,
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3_options,
            "bucket_name": TOWNHALL_S3_BUCKET,
            "custom_domain": env("TOWNHALL_S3_CUSTOM_DOMAIN") or None,
        },
    }
    for _region in TOWNHALL_REGIONS.values():
        STORAGES[_region.storage_alias] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3_options, "bucket_name": f"{TOWNHALL_S3_BUCKET}-{_region.code}"},
        }
elif TOWNHALL_STORAGE != "file":
    raise ImproperlyConfigured(f"TOWNHALL_STORAGE is file or s3, not {TOWNHALL_STORAGE!r}")

# --- Applications ----------------------------------------------------------------------------

INSTALLED_APPS = [
    "townhall",
    "townhall.accounts",
    "townhall.regions",
    "townhall.accountdata",
    "townhall.audit",
    "townhall.notifications",
    "townhall.media",
    "townhall.social",
    "townhall.feeds",
    "townhall.api",
    "townhall.web",
    "townhall.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "townhall.api.middleware.ApiMethodNotAllowed",
]

ROOT_URLCONF = "townhall.urls"
ASGI_APPLICATION = "townhall.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "townhall.web.context_processors.site",
                "townhall.accounts.context_processors.navigation",
                "townhall.notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Background jobs -------------------------------------------------------------------------

# django.tasks with the database backend: `townhall worker` processes (on any machine) pull jobs
# from the default database. TOWNHALL_TASKS_BACKEND=immediate runs them inline (tests, debugging).
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if env("TOWNHALL_TASKS_BACKEND") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# --- Authentication --------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.Account"
AUTHENTICATION_BACKENDS = ["townhall.accounts.backends.RegionBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("handle", "display_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Keys and the access log ----------------------------------------------------------------

# Key-encryption keys (one per region) and the instance's Ed25519 signing key. The default
# provider reads them from files in TOWNHALL_KEY_DIR (created by `townhall keys init`), or from
# TOWNHALL_KEK_<REGION> / TOWNHALL_INSTANCE_SIGNING_KEY (base64) when those are set. See
# docs/regions.md for the provider interface a real KMS plugs into.
TOWNHALL_KEY_DIR = Path(env("TOWNHALL_KEY_DIR", str(VAR_DIR / "keys")))
TOWNHALL_KEY_PROVIDER = env(
    "TOWNHALL_KEY_PROVIDER", "townhall.regions.keyproviders.FileKeyProvider"
)
TOWNHALL_KEYS_FROM_ENV = {
    name.removeprefix("TOWNHALL_KEK_").lower(): value
    for name, value in os.environ.items()
    if name.startswith("TOWNHALL_KEK_")
}
TOWNHALL_INSTANCE_SIGNING_KEY = env("TOWNHALL_INSTANCE_SIGNING_KEY")
# A signed checkpoint of each region's access log is written after this many entries (and on
# demand with `townhall audit checkpoint`).
TOWNHALL_AUDIT_CHECKPOINT_EVERY = int(env("TOWNHALL_AUDIT_CHECKPOINT_EVERY", "100"))

# --- Video -----------------------------------------------------------------------------------

TOWNHALL_UPLOAD_MAX_BYTES = int(env("TOWNHALL_UPLOAD_MAX_BYTES", str(1024**3)))
TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES = int(env("TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES", str(100 * 1024**2)))
TOWNHALL_UPLOAD_DAILY_QUOTA_BYTES = int(env("TOWNHALL_UPLOAD_DAILY_QUOTA_BYTES", str(5 * 1024**3)))
TOWNHALL_UPLOAD_EXPIRY_HOURS = int(env("TOWNHALL_UPLOAD_EXPIRY_HOURS", "24"))
# The largest body of one tus PATCH (or creation-with-upload POST); FILE_UPLOAD_MAX_MEMORY_SIZE is
# kept at least this large (below). Why: docs/decisions/0010-tus-parts-bounded-under-asgi.md.
TOWNHALL_TUS_MAX_CHUNK_BYTES = int(env("TOWNHALL_TUS_MAX_CHUNK_BYTES", str(4 * 1024**2)))
TOWNHALL_VIDEO_MAX_SECONDS = float(env("TOWNHALL_VIDEO_MAX_SECONDS", "600"))
TOWNHALL_VIDEO_MIN_SECONDS = float(env("TOWNHALL_VIDEO_MIN_SECONDS", "1"))
TOWNHALL_VIDEO_MAX_SIDE = int(env("TOWNHALL_VIDEO_MAX_SIDE", "4096"))
TOWNHALL_KEEP_ORIGINALS = env_bool("TOWNHALL_KEEP_ORIGINALS", False)
# Empty: the FFmpeg binary that the imageio-ffmpeg wheel ships.
TOWNHALL_FFMPEG = env("TOWNHALL_FFMPEG")
TOWNHALL_TRANSCODE_THREADS = int(env("TOWNHALL_TRANSCODE_THREADS", "0"))
TOWNHALL_TRANSCODE_LEASE_SECONDS = int(env("TOWNHALL_TRANSCODE_LEASE_SECONDS", "60"))
TOWNHALL_TRANSCODE_MAX_ATTEMPTS = int(env("TOWNHALL_TRANSCODE_MAX_ATTEMPTS", "3"))
# A job's FFmpeg runs are killed after max(TIMEOUT_SECONDS, TIMEOUT_FACTOR times the video's
# duration) of wall-clock time, and the video fails with transcode_timeout.
TOWNHALL_TRANSCODE_TIMEOUT_SECONDS = float(env("TOWNHALL_TRANSCODE_TIMEOUT_SECONDS", "120"))
TOWNHALL_TRANSCODE_TIMEOUT_FACTOR = float(env("TOWNHALL_TRANSCODE_TIMEOUT_FACTOR", "10"))
TOWNHALL_WORK_DIR = Path(env("TOWNHALL_WORK_DIR", str(VAR_DIR / "work")))

# --- Limits ----------------------------------------------------------------------------------

TOWNHALL_AVATAR_MAX_BYTES = int(env("TOWNHALL_AVATAR_MAX_BYTES", str(8 * 1024 * 1024)))
TOWNHALL_AVATAR_MAX_PIXELS = int(env("TOWNHALL_AVATAR_MAX_PIXELS", str(40_000_000)))
TOWNHALL_AVATAR_SIZE = 400
# Sign-up and log-in attempts per client address and per account within the window.
TOWNHALL_AUTH_RATE = int(env("TOWNHALL_AUTH_RATE", "10"))
TOWNHALL_AUTH_RATE_WINDOW = int(env("TOWNHALL_AUTH_RATE_WINDOW", "300"))
# Social actions per account (or per client, signed out): at most N in a window of S seconds,
# as "N/S". A burst beyond gets 429 with Retry-After.
TOWNHALL_SOCIAL_RATES = {
    action: env(f"TOWNHALL_RATE_{action.upper()}", default)
    for action, default in {
        "follow": "30/60",
        "like": "60/60",
        "comment": "10/60",
        "share": "30/60",
    }.items()
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = max(2 * 1024 * 1024, TOWNHALL_TUS_MAX_CHUNK_BYTES)

# --- Cache -----------------------------------------------------------------------------------

# Rate limits must hold across processes: the default cache is the database (shared by every web
# process); TOWNHALL_CACHE_URL=redis://... moves it to Redis.
CACHE_URL = env("TOWNHALL_CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL in ("", "db"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "townhall_cache",
        }
    }
elif CACHE_URL == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"TOWNHALL_CACHE_URL {CACHE_URL!r}: use redis://..., db or locmem")

# --- Security headers ------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Internationalisation --------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("TOWNHALL_LOG_LEVEL", "INFO")},
    # Django's own console handler would print every django.* line a second time.
    "loggers": {"django": {"handlers": ["console"], "propagate": False}},
}
