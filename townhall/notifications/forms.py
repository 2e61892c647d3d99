"""The form of the notification settings: one checkbox per kind."""

from __future__ import annotations

from django import forms

from .models import Kind


class PreferencesForm(forms.Form):
    enabled = forms.MultipleChoiceField(
        label="Tell me about",
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
