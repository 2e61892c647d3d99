"""Plain, decrypted views of protected rows, handed out after the gateway opened them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TokenInfo:
    pk: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class IdentityInfo:
    email: str
    date_of_birth: dt.date
    country: str
    signup_ip: str | None
    last_login_ip: str | None
    last_login_at: dt.datetime | None
