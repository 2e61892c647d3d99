"""Field rules for accounts: each check returns the cleaned value or raises a DomainError."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from townhall.errors import Conflict, DomainError

from .models import Account

HANDLE_RE = re.compile(r"^[a-z0-9_.]{3,24}$")
# What the API takes for a handle (and declares): any case, which clean_handle lowercases,
# and nothing around it to trim.
HANDLE_INPUT_RE = re.compile(r"^[A-Za-z0-9_.]{3,24}$")
# A handle or nothing: the API's optional ``as`` (an organisation to act for) declares it.
OPTIONAL_HANDLE_PATTERN = "^(" + HANDLE_INPUT_RE.pattern[1:-1] + ")?$"
RESERVED_HANDLES = frozenset(
    [
        "about",
        "abuse",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "apps",
        "assets",
        "auth",
        "blog",
        "contact",
        "docs",
        "download",
        "explore",
        "feed",
        "feeds",
        "following",
        "foryou",
        "help",
        "home",
        "hashtag",
        "hashtags",
        "info",
        "legal",
        "login",
        "logout",
        "me",
        "media",
        "moderator",
        "moderation",
        "new",
        "news",
        "null",
        "official",
        "organisation",
        "organisations",
        "organization",
        "organizations",
        "password",
        "privacy",
        "profile",
        "report",
        "root",
        "search",
        "security",
        "settings",
        "signin",
        "signout",
        "signup",
        "static",
        "staff",
        "status",
        "support",
        "system",
        "terms",
        "townhall",
        "transparency",
        "upload",
        "uploads",
        "user",
        "users",
        "video",
        "videos",
        "webmaster",
        "www",
    ]
)
MINIMUM_AGE = 13
BIO_MAX = 160
DISPLAY_NAME_MAX = 50
LINK_MAX = 200
# Django's MinimumLengthValidator (AUTH_PASSWORD_VALIDATORS) at its default.
PASSWORD_MIN = 8


def clean_handle(raw: str) -> str:
    handle = (raw or "").strip().lower()
    if not HANDLE_RE.match(handle):
        raise DomainError.for_field(
            "handle",
            "handle_invalid",
            "A handle is 3 to 24 characters: lowercase letters, digits, '_' and '.'.",
        )
    return handle


def check_handle_available(handle: str, *, reserved_ok: bool = False) -> None:
    if not reserved_ok and handle in RESERVED_HANDLES:
        raise DomainError.for_field(
            "handle", "handle_reserved", f"The handle '{handle}' is reserved."
        )
    if Account.objects.filter(handle__iexact=handle).exists():
        raise Conflict.for_field("handle", "handle_taken", f"The handle '{handle}' is taken.")


def clean_display_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise DomainError.for_field(
            "display_name", "display_name_required", "Enter a display name."
        )
    if len(name) > DISPLAY_NAME_MAX:
        raise DomainError.for_field(
            "display_name",
            "display_name_too_long",
            f"A display name is at most {DISPLAY_NAME_MAX} characters.",
        )
    return name


def clean_email(raw: str) -> str:
    email = (raw or "").strip()
    try:
        EmailValidator()(email)
    except ValidationError:
        raise DomainError.for_field(
            "email", "email_invalid", "Enter a valid e-mail address."
        ) from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def age_on(date_of_birth: dt.date, today: dt.date) -> int:
    years = today.year - date_of_birth.year
    if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def age_band_for(date_of_birth: dt.date, today: dt.date) -> str:
    age = age_on(date_of_birth, today)
    if age < 16:
        return Account.AgeBand.TEEN_13_15
    if age < 18:
        return Account.AgeBand.TEEN_16_17
    return Account.AgeBand.ADULT


def clean_date_of_birth(value: dt.date | None, today: dt.date) -> dt.date:
    if value is None:
        raise DomainError.for_field(
            "date_of_birth", "date_of_birth_required", "Enter your date of birth."
        )
    if value > today:
        raise DomainError.for_field(
            "date_of_birth", "date_of_birth_in_future", "The date of birth is in the future."
        )
    if value.year < 1900:
        raise DomainError.for_field(
            "date_of_birth", "date_of_birth_invalid", "Enter a date of birth after 1900."
        )
    if age_on(value, today) < MINIMUM_AGE:
        raise DomainError.for_field(
            "date_of_birth",
            "too_young",
            f"You must be at least {MINIMUM_AGE} years old to use townhall.",
        )
    return value


def clean_password(
    password: str, *, handle: str = "", display_name: str = "", email: str = ""
) -> str:
    # The similarity validator reads these attributes and the model's field names.
    subject = Account(handle=handle, display_name=display_name)
    subject.email = email  # type: ignore[attr-defined]
    try:
        validate_password(password or "", user=subject)
    except ValidationError as exc:
        raise DomainError.for_field("password", "password_weak", " ".join(exc.messages)) from None
    return password


def clean_bio(raw: str) -> str:
    bio = (raw or "").strip()
    if len(bio) > BIO_MAX:
        raise DomainError.for_field(
            "bio",
            "bio_too_long",
            f"A bio is at most {BIO_MAX} characters; this one has {len(bio)}.",
        )
    return bio


def clean_link(raw: str) -> str:
    link = (raw or "").strip()
    if not link:
        return ""
    if not link.lower().startswith(("http://", "https://")):
        raise DomainError.for_field(
            "link", "link_scheme", "A link must start with http:// or https://."
        )
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError:
        raise DomainError.for_field("link", "link_invalid", "Enter a valid web address.") from None
    if len(link) > LINK_MAX:
        raise DomainError.for_field(
            "link", "link_too_long", f"A link is at most {LINK_MAX} characters."
        )
    return link


def clean_country(raw: str | None) -> str:
    from townhall.regions.config import UNSPECIFIED_JURISDICTION, is_country_code

    country = (raw or "").strip().upper()
    if country and (country == UNSPECIFIED_JURISDICTION or not is_country_code(country)):
        raise DomainError.for_field(
            "country", "country_invalid", "Choose a country by its two-letter ISO 3166 code."
        )
    return country
