from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "accounts"

urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
    path(
        "settings", RedirectView.as_view(pattern_name="accounts:settings_profile"), name="settings"
    ),
    path("settings/profile", views.settings_profile, name="settings_profile"),
    path("settings/password", views.settings_password, name="settings_password"),
    path("settings/tokens", views.settings_tokens, name="settings_tokens"),
    path("settings/data", views.settings_data, name="settings_data"),
    path("settings/tokens/<int:token_id>/revoke", views.token_revoke, name="token_revoke"),
    path("organisations/new", views.organisation_new, name="organisation_new"),
    path("invitations", views.invitations, name="invitations"),
    path(
        "invitations/<int:invitation_id>/accept",
        views.invitation_respond,
        {"answer": "accept"},
        name="invitation_accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline",
        views.invitation_respond,
        {"answer": "decline"},
        name="invitation_decline",
    ),
    path("@<str:handle>/edit", views.organisation_edit, name="organisation_edit"),
    path("@<str:handle>/team", views.team, name="team"),
    path("@<str:handle>/team/invite", views.organisation_invite, name="organisation_invite"),
    path(
        "@<str:handle>/team/invitations/<int:invitation_id>/withdraw",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path(
        "@<str:handle>/team/<str:member>/role", views.member_change_role, name="member_change_role"
    ),
    path("@<str:handle>/team/<str:member>/remove", views.member_remove, name="member_remove"),
]
