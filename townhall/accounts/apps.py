from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "townhall.accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from townhall.accountdata.hooks import hooks_register
        from townhall.audit.gateway import team_rule_register

        from .hooks import HOOKS
        from .roles import is_team_member

        team_rule_register(is_team_member)
        hooks_register(HOOKS)
