from django.apps import AppConfig


class AccountDataConfig(AppConfig):
    """Account-wide operations over the apps' registered account-data hooks (``hooks.py``)."""

    name = "townhall.accountdata"
    verbose_name = "Account data: moves, residency scan, erasure, export, sweeps"
