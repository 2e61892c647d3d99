from django.urls import include, path

from townhall.api.api import api
from townhall.web.admin_site import admin_site

urlpatterns = [
    path("admin/", admin_site.urls),
    path("api/v1/", api.urls),
    path("", include("townhall.web.urls")),
]
