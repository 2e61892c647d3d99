"""Look-ups of protected rows that reveal nothing but equality, across every region.

An e-mail address is unique across the instance, and a token names the region that issued it
while its account may have moved since: both are found by searching the regions through the
gateway (``find_in_regions``), on clear columns only.
"""

from __future__ import annotations

from townhall.audit.gateway import find_in_regions, lookup_digest
from townhall.regions.selectors import region_list

from .models import ApiToken, Identity


def email_normalised(email: str) -> str:
    return email.strip().lower()


def email_digest(region: str, email: str) -> str:
    """The keyed hash used to find an account by e-mail without storing it in plaintext."""
    return lookup_digest(region, email_normalised(email))


def email_owner(email: str) -> tuple[str, int] | None:
    """(region code, account id) of the identity with this e-mail address, in any region.

    Each region keys its hash differently, so each is searched with its own digest.
    """
    for region in region_list():
        found = find_in_regions(
            Identity,
            fields=("account_id",),
            only=region.code,
            email_digest=email_digest(region.code, email),
        )
        if found is not None:
            return region.code, int(found[1][0])
    return None


def token_lookup(key_id: str, region: str | None = None) -> tuple[str, int, str, bool] | None:
    """(region, account id, secret hash, revoked) of an API token, for authentication.

    The region the token names is searched first, then the others (the account may have moved).
    """
    found = find_in_regions(
        ApiToken, fields=("account_id", "secret_hash", "revoked_at"), first=region, key_id=key_id
    )
    if found is None:
        return None
    code, (account_id, secret_hash, revoked_at) = found
    return code, int(account_id), str(secret_hash), revoked_at is not None
