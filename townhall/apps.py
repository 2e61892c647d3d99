"""The project package as an app: its commands (``serve``, ``worker``, ``demo-data``), the admin
site's templates, and the admin configuration that makes ``TownhallAdminSite`` the default."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TownhallConfig(AppConfig):
    default = True
    name = "townhall"
    verbose_name = "townhall"


class AdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "townhall.admin.TownhallAdminSite"
