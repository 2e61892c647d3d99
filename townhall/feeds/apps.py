from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "townhall.feeds"
    verbose_name = "Feeds: Following (For You to come)"
