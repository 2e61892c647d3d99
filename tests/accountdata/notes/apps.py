from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "tests.accountdata.notes"
    label = "notes"
    verbose_name = "Notes (tests only)"

    def ready(self) -> None:
        from townhall.accountdata.hooks import hooks_register

        from .hooks import HOOKS

        hooks_register(HOOKS)
