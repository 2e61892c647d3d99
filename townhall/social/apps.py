from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "townhall.social"
    verbose_name = "Social: follows, likes, comments, views, search"

    def ready(self) -> None:
        from townhall.accountdata.hooks import hooks_register
        from townhall.accounts.privacy import opened_hook_register
        from townhall.accounts.visibility import hidden_rule_register
        from townhall.audit.gateway import audience_rule_register
        from townhall.media.audience import followed_rule_register
        from townhall.notifications.services import filter_register

        from . import receivers, rules, services  # noqa: F401 (receivers: the search index's signals)
        from .hooks import HOOKS

        followed_rule_register(rules.followed_ids)
        hidden_rule_register(rules.hidden_ids)
        opened_hook_register(services.account_opened)
        audience_rule_register(rules.is_approved_follower)
        filter_register(rules.notification_allowed)
        hooks_register(HOOKS)
