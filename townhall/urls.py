from django.contrib import admin
from django.urls import include, path, re_path

from townhall.api.api import api, api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Anything else under the API answers in the API's error shape, not with an HTML page.
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("", include("townhall.feeds.urls")),
    path("", include("townhall.social.urls")),
    path("", include("townhall.notifications.urls")),
    path("", include("townhall.media.urls")),
    path("", include("townhall.accounts.urls")),
    path("", include("townhall.web.urls")),
]
