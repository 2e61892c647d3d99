from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "townhall.audit"
    verbose_name = "Access log"
