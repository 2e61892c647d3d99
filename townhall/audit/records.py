"""What a user is shown about their own protected data: where it is, what, and who read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from townhall.regions.config import Region
from townhall.regions.selectors import region_get

from .gateway import AccountLike, own_vault
from .selectors import access_log_for_account

PURPOSE_LABELS = {
    "service_delivery": "Running the service you use",
    "support_request": "A support request",
    "safety_investigation": "A safety investigation",
    "legal_request": "A legal request",
    "data_export": "A data export",
    "account_closure": "Closing the account",
}


@dataclass(frozen=True)
class AccessRecord:
    at: dt.datetime
    region: str
    actor: str
    purpose: str
    purpose_label: str
    reference: str
    outcome: str
    reason: str


@dataclass(frozen=True)
class MyData:
    region: Region
    categories: dict[str, int]
    accesses: list[AccessRecord]


def my_data(*, account: AccountLike, limit: int = 200) -> MyData:
    """The "my data" summary for ``account``, shown only to that account."""
    categories = (
        own_vault(account, acting=account).categories() if not account.is_organisation else {}
    )
    entries = access_log_for_account(account_id=account.pk, limit=limit)
    return MyData(
        region=region_get(account.home_region),
        categories=categories,
        accesses=[
            AccessRecord(
                at=entry.created_at,
                region=entry.region_code,
                actor=entry.actor_role,
                purpose=entry.purpose,
                purpose_label=PURPOSE_LABELS.get(entry.purpose, entry.purpose),
                reference=entry.reference,
                outcome=entry.outcome,
                reason=entry.reason,
            )
            for entry in entries
        ],
    )
