"""Forms for the accounts pages.

They only parse what the browser sends (a date, a choice, a file) and describe the inputs for
the templates; every rule about what is allowed lives in the accounts services, whose errors the
views put back on these forms (``townhall.web.forms.add_domain_error``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pycountry
from django import forms
from django.utils import timezone

from townhall.regions.selectors import region_list

from .models import Role
from .validation import BIO_MAX, DISPLAY_NAME_MAX

HANDLE_HELP = "3 to 24 characters: lowercase letters, digits, “_” and “.”."
TEXT_INPUT_OFF = {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}


@cache
def country_choices() -> list[tuple[str, str]]:
    """ISO 3166 countries by their everyday name, with 'not stated' first."""
    countries = sorted(
        ((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries),
        key=lambda choice: choice[1],
    )
    return [("", "Not stated"), *countries]


class SignUpForm(forms.Form):
    handle = forms.CharField(
        help_text=HANDLE_HELP,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "maxlength": 24, **TEXT_INPUT_OFF}
        ),
    )
    display_name = forms.CharField(
        label="Display name",
        help_text="The name people see next to your handle.",
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": DISPLAY_NAME_MAX}),
    )
    email = forms.CharField(
        label="E-mail address",
        help_text="Never shown to anyone; kept in your home region.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", **TEXT_INPUT_OFF}),
    )
    password = forms.CharField(
        strip=False,
        help_text="At least 8 characters; not a common password, not like your handle.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        help_text="You must be at least 13. Never shown to anyone.",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    country = forms.ChoiceField(
        required=False,
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].widget.attrs["max"] = timezone.localdate().isoformat()
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = country_choices()
        regions = ", ".join(region.name for region in region_list())
        country.help_text = (
            "By this site's policy your country decides your home region: the one "
            f"place your private data is kept (this site keeps data in: {regions})."
        )


class LoginForm(forms.Form):
    login = forms.CharField(
        label="Handle or e-mail address",
        widget=forms.TextInput(attrs={"autocomplete": "username", **TEXT_INPUT_OFF}),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": DISPLAY_NAME_MAX}),
    )
    bio = forms.CharField(
        required=False,
        help_text=f"At most {BIO_MAX} characters.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": BIO_MAX, "data-counter": BIO_MAX}),
    )
    link = forms.CharField(
        required=False,
        help_text="A web address starting with https:// or http://.",
        widget=forms.URLInput(
            attrs={"autocomplete": "url", "placeholder": "https://", **TEXT_INPUT_OFF}
        ),
    )
    is_private = forms.BooleanField(
        required=False,
        label="Private account",
        help_text="Only people you approve can follow you, see your followers-only videos and "
        "see who follows you and whom you follow. Making the account public again approves "
        "every pending follow request.",
    )
    avatar = forms.FileField(
        required=False,
        label="Avatar",
        help_text="A JPEG, PNG, WebP or GIF image; it is cropped to a square. Leave empty to keep "
        "the current one.",
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 8 characters; not a common password, not like your handle.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", "The two new passwords are not the same.")
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        help_text="To recognise the token later, e.g. “upload script on my laptop”.",
        widget=forms.TextInput(attrs={"maxlength": 64}),
    )


class OrganisationForm(forms.Form):
    handle = forms.CharField(
        help_text=HANDLE_HELP,
        widget=forms.TextInput(attrs={"maxlength": 24, **TEXT_INPUT_OFF}),
    )
    display_name = forms.CharField(
        label="Name",
        help_text="The organisation's name as people know it.",
        widget=forms.TextInput(attrs={"maxlength": DISPLAY_NAME_MAX}),
    )
    bio = forms.CharField(
        required=False,
        help_text=f"What the organisation does, in at most {BIO_MAX} characters.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": BIO_MAX, "data-counter": BIO_MAX}),
    )


def role_choices(*, include_owner: bool) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Role.choices if include_owner or value != Role.OWNER]


class InviteForm(forms.Form):
    handle = forms.CharField(
        label="Handle of the person to invite",
        widget=forms.TextInput(attrs={"maxlength": 25, **TEXT_INPUT_OFF}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)

    def __init__(self, *args: Any, include_owner: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = role_choices(include_owner=include_owner)

    def clean_handle(self) -> str:
        return str(self.cleaned_data["handle"]).strip().lstrip("@")
