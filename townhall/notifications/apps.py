from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "townhall.notifications"
    verbose_name = "Notifications"
