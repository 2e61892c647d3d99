from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "townhall.api"
    verbose_name = "JSON API"
