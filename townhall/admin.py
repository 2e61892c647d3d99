"""The staff admin site, with a page listing the configured regions.

It is Django's default admin site (``townhall.apps.AdminConfig`` names it), so every app
registers its models with ``@admin.register`` and imports nothing from here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path

from townhall.accounts.models import Account
from townhall.regions.selectors import region_list


class TownhallAdminSite(admin.AdminSite):
    site_header = "townhall administration"
    site_title = "townhall admin"
    index_template = "admin/townhall_index.html"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("regions/", self.admin_view(self.regions_view), name="regions"),
            *super().get_urls(),
        ]

    def regions_view(self, request: HttpRequest) -> HttpResponse:
        counts = dict(Account.objects.values_list("home_region").annotate(n=Count("id")).order_by())
        rows: list[dict[str, Any]] = [
            {
                "region": region,
                "accounts": counts.get(region.code, 0),
                "engine": region.database["ENGINE"].rsplit(".", 1)[-1],
                "database": region.database.get("NAME"),
            }
            for region in region_list()
        ]
        context = {**self.each_context(request), "title": "Regions", "rows": rows}
        return TemplateResponse(request, "admin/regions.html", context)
