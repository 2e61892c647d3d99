"""Settings for the test suite.

The suite always runs with three regions (uk, us, sg) so that every test exercises the router
and the home-region policy the way a multi-region deployment does. Setting TOWNHALL_DATABASE_URL
to a PostgreSQL URL runs the same suite on PostgreSQL (``.ci/run`` does both).
"""

import os

os.environ.setdefault(
    "TOWNHALL_REGIONS",
    '{"uk": {"jurisdiction": "GB", "name": "United Kingdom"},'
    ' "us": {"jurisdiction": "US", "name": "United States"},'
    ' "sg": {"jurisdiction": "SG", "name": "Singapore"}}',
)
os.environ.setdefault("TOWNHALL_DEFAULT_REGION", "uk")
os.environ.setdefault("TOWNHALL_REGION_BY_COUNTRY", '{"US": "us", "SG": "sg", "MY": "sg"}')
os.environ.setdefault("TOWNHALL_CACHE_URL", "locmem")
# Jobs run inline in tests; the worker tests start real `townhall worker` processes.
os.environ.setdefault("TOWNHALL_TASKS_BACKEND", "immediate")
# Fixed keys for the test suite only (they protect nothing real).
os.environ.setdefault("TOWNHALL_KEK_UK", "ixjtFmsK4SC560dxC7w3wmMyYRqm46/+Go7a2lAtpUU=")
os.environ.setdefault("TOWNHALL_KEK_US", "liFZqDHAV9By7Z4ZbGTCTnbwN55lZdEBNTg2heQQqYI=")
os.environ.setdefault("TOWNHALL_KEK_SG", "XC0D8qacNPHmsb2DrG5YrgddkGUbc7+P7zXEnPqgxO8=")
os.environ.setdefault(
    "TOWNHALL_INSTANCE_SIGNING_KEY", "WzH9W9ZzIjainRy6aONLsTr6oJUPAmXQGUGTy8FIxbE="
)

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES["default"]["OPTIONS"]["location"] = str(MEDIA_ROOT / "public")  # type: ignore[index]  # noqa: F405
TOWNHALL_AUTH_RATE = 1000
TOWNHALL_WORK_DIR = VAR_DIR / "test-work"
# A tests-only app that plugs into the account-wide operations by registering its hooks.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.accountdata.notes"]  # noqa: F405
