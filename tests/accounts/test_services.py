import datetime as dt

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings

from townhall.accounts import roles, services
from townhall.accounts.models import Account, ApiToken, Identity, Role
from townhall.accounts.selectors import identity_get
from townhall.audit.gateway import Actor, open_vault
from townhall.errors import Conflict, DomainError, Forbidden, NotAuthenticated, RateLimited
from townhall.regions.selectors import in_home_region

from ..conftest import PASSWORD, adult_dob

TODAY = dt.date(2026, 6, 15)


def sign_up(**overrides):
    values = {
        "handle": "alice",
        "display_name": "Alice",
        "email": "alice@example.org",
        "password": PASSWORD,
        "date_of_birth": dt.date(1990, 1, 1),
        "today": TODAY,
    }
    values.update(overrides)
    return services.account_sign_up(**values)


def code_of(excinfo):
    return excinfo.value.code


class TestSignUp:
    def test_creates_public_account_and_protected_identity(self):
        account = sign_up(handle="Alice", country="us")
        assert account.handle == "alice"
        assert account.home_region == "us"
        assert account.age_band == Account.AgeBand.ADULT
        identity = identity_get(account=account)
        assert identity.email == "alice@example.org"
        assert identity.date_of_birth == dt.date(1990, 1, 1)
        # At rest, the row holds ciphertexts only.
        row = in_home_region(Identity, account).get(account_id=account.pk)
        assert b"alice@example.org" not in bytes(row.email)
        assert b"1990" not in bytes(row.date_of_birth)

    def test_rate_limited_by_address(self, settings):
        settings.TOWNHALL_AUTH_RATE = 1
        sign_up(ip="192.0.2.9")
        with pytest.raises(RateLimited) as refused:
            sign_up(handle="bob", email="bob@example.org", ip="192.0.2.9")
        assert 0 < refused.value.retry_after <= settings.TOWNHALL_AUTH_RATE_WINDOW
        assert not Account.objects.filter(handle="bob").exists()
        # Another address has its own count.
        assert sign_up(handle="bob", email="bob@example.org", ip="192.0.2.10").handle == "bob"

    def test_home_region_defaults_when_country_is_not_mapped(self):
        assert sign_up(country="FR").home_region == "uk"
        assert sign_up(handle="bob", email="bob@example.org").home_region == "uk"

    @pytest.mark.parametrize(
        ("dob", "band"),
        [
            (dt.date(2013, 6, 15), "13-15"),  # 13 today
            (dt.date(2010, 6, 16), "13-15"),  # 16 tomorrow
            (dt.date(2010, 6, 15), "16-17"),
            (dt.date(2008, 6, 16), "16-17"),
            (dt.date(2008, 6, 15), "adult"),
        ],
    )
    def test_age_band_is_derived_on_the_server(self, dob, band):
        assert sign_up(date_of_birth=dob).age_band == band

    def test_duplicate_handle_differing_only_in_case(self):
        sign_up(handle="alice")
        with pytest.raises(DomainError) as exc:
            sign_up(handle="ALICE", email="other@example.org")
        assert code_of(exc) == "handle_taken"
        assert "handle" in exc.value.fields

    @pytest.mark.parametrize("handle", ["admin", "API", "www", "support"])
    def test_reserved_handle(self, handle):
        with pytest.raises(DomainError) as exc:
            sign_up(handle=handle)
        assert code_of(exc) == "handle_reserved"

    @pytest.mark.parametrize("handle", ["ab", "a" * 25, "with space", "dash-ed", "émile", ""])
    def test_malformed_handle(self, handle):
        with pytest.raises(DomainError) as exc:
            sign_up(handle=handle)
        assert code_of(exc) == "handle_invalid"

    def test_under_13_is_refused_with_a_clear_message(self):
        with pytest.raises(DomainError) as exc:
            sign_up(date_of_birth=dt.date(2013, 6, 16))  # 13 tomorrow
        assert code_of(exc) == "too_young"
        assert "at least 13" in exc.value.message
        assert not Account.objects.exists()

    def test_date_of_birth_in_the_future(self):
        with pytest.raises(DomainError) as exc:
            sign_up(date_of_birth=dt.date(2027, 1, 1))
        assert code_of(exc) == "date_of_birth_in_future"

    @pytest.mark.parametrize("email", ["not-an-email", "a@b", "@example.org", "a b@example.org"])
    def test_malformed_email(self, email):
        with pytest.raises(DomainError) as exc:
            sign_up(email=email)
        assert code_of(exc) == "email_invalid"

    def test_email_unique_across_regions(self):
        sign_up(country="US")
        with pytest.raises(DomainError) as exc:
            sign_up(handle="alice2", email="ALICE@EXAMPLE.ORG", country="SG")
        assert code_of(exc) == "email_taken"

    @pytest.mark.parametrize("password", ["short", "12345678901", "password123", "alice1234"])
    def test_weak_password(self, password):
        with pytest.raises(DomainError) as exc:
            sign_up(password=password)
        assert code_of(exc) == "password_weak"

    def test_all_field_errors_reported_at_once_and_nothing_written(self):
        with pytest.raises(DomainError) as exc:
            sign_up(handle="admin", email="bad", password="x", date_of_birth=dt.date(2020, 1, 1))
        assert set(exc.value.fields) == {"handle", "email", "password", "date_of_birth"}
        assert not Account.objects.exists()

    def test_unknown_country(self):
        with pytest.raises(DomainError) as exc:
            sign_up(country="XX")
        assert code_of(exc) == "country_invalid"

    @override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
    def test_password_hashed_with_argon2(self):
        account = sign_up()
        vault = open_vault(subject=account, actor=Actor.itself(account), purpose="service_delivery")
        password_hash = vault.open(vault.rows(Identity).get(), "password")
        assert identify_hasher(password_hash).algorithm == "argon2"
        assert PASSWORD not in password_hash

    def test_base_settings_use_argon2_first(self):
        from townhall.settings import base

        assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


class TestAuthenticate:
    def test_by_handle_and_by_email(self, person):
        assert services.account_authenticate(login="ALICE", password=PASSWORD) == person
        assert services.account_authenticate(login="alice@example.org", password=PASSWORD) == person

    def test_wrong_password_and_unknown_account_look_the_same(self, person):
        with pytest.raises(NotAuthenticated) as wrong:
            services.account_authenticate(login="alice", password="nope")
        with pytest.raises(NotAuthenticated) as unknown:
            services.account_authenticate(login="nobody", password="nope")
        assert wrong.value.message == unknown.value.message

    def test_records_login_ip_in_home_region(self, person):
        services.account_authenticate(login="alice", password=PASSWORD, ip="192.0.2.7")
        assert identity_get(account=person).last_login_ip == "192.0.2.7"

    def test_rate_limited(self, person, settings):
        settings.TOWNHALL_AUTH_RATE = 3
        for _ in range(3):
            with pytest.raises(NotAuthenticated):
                services.account_authenticate(login="alice", password="bad", ip="192.0.2.9")
        with pytest.raises(RateLimited) as refused:
            services.account_authenticate(login="alice", password=PASSWORD, ip="192.0.2.9")
        assert 0 < refused.value.retry_after <= settings.TOWNHALL_AUTH_RATE_WINDOW

    def test_age_band_refreshed_at_login(self, make_person):
        account = make_person("teen", date_of_birth=adult_dob(15))
        assert account.age_band == "13-15"
        Account.objects.filter(pk=account.pk).update(age_band="adult")
        services.account_authenticate(login="teen", password=PASSWORD)
        account.refresh_from_db()
        assert account.age_band == "13-15"


class TestPasswordChange:
    def test_changes_and_rotates_session_hash(self, person):
        before = person.get_session_auth_hash()
        services.account_change_password(
            account=person, old_password=PASSWORD, new_password="a brand new passphrase"
        )
        assert person.get_session_auth_hash() != before
        assert services.account_authenticate(login="alice", password="a brand new passphrase")

    def test_wrong_old_password(self, person):
        with pytest.raises(DomainError) as exc:
            services.account_change_password(
                account=person, old_password="wrong", new_password="a brand new passphrase"
            )
        assert code_of(exc) == "password_incorrect"

    def test_weak_new_password(self, person):
        with pytest.raises(DomainError) as exc:
            services.account_change_password(
                account=person, old_password=PASSWORD, new_password="123"
            )
        assert code_of(exc) == "password_weak"


class TestProfile:
    def test_update(self, person):
        services.profile_update(
            account=person,
            actor=person,
            display_name=" Alice  A. ",
            bio="Hi",
            link="https://a.example",
        )
        person.refresh_from_db()
        assert (person.display_name, person.bio, person.link) == (
            "Alice A.",
            "Hi",
            "https://a.example",
        )

    def test_bio_over_length(self, person):
        with pytest.raises(DomainError) as exc:
            services.profile_update(account=person, actor=person, bio="x" * 161)
        assert code_of(exc) == "bio_too_long"
        services.profile_update(account=person, actor=person, bio="x" * 160)

    @pytest.mark.parametrize(
        "link",
        ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "ftp://x.example"],
    )
    def test_link_must_be_http(self, person, link):
        with pytest.raises(DomainError) as exc:
            services.profile_update(account=person, actor=person, link=link)
        assert code_of(exc) == "link_scheme"
        person.refresh_from_db()
        assert person.link == ""

    def test_someone_else_cannot_edit(self, person, make_person):
        other = make_person()
        with pytest.raises(Forbidden):
            services.profile_update(account=person, actor=other, bio="hacked")


class TestTokens:
    def test_create_authenticate_revoke(self, person):
        token, secret = services.token_create(account=person, name="laptop")
        assert secret.startswith(f"th_{person.home_region}_")
        row = in_home_region(ApiToken, person).get(pk=token.pk)
        assert secret.split("_", 3)[3] not in row.secret_hash
        assert b"laptop" not in bytes(row.name)
        assert services.token_authenticate(secret) == person
        services.token_revoke(account=person, token_id=token.pk)
        assert services.token_authenticate(secret) is None

    @pytest.mark.parametrize(
        "raw", ["", "garbage", "th_xx_1_2", "th_uk_nope_secret", "bearer th_uk_a_b"]
    )
    def test_malformed_tokens(self, raw):
        assert services.token_authenticate(raw) is None

    def test_tampered_secret(self, person):
        _, secret = services.token_create(account=person, name="laptop")
        assert (
            services.token_authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
        )

    def test_cannot_revoke_someone_elses(self, person, make_person):
        token, _ = services.token_create(account=person, name="laptop")
        with pytest.raises(DomainError) as exc:
            services.token_revoke(account=make_person(), token_id=token.pk)
        assert exc.value.status == 404

    def test_token_rows_live_in_the_home_region(self, make_person):
        account = make_person(country="SG")
        services.token_create(account=account, name="x")
        assert in_home_region(ApiToken, account).filter(account_id=account.pk).count() == 1


class TestOrganisations:
    def test_create_makes_creator_owner_and_records_it(self, person):
        org = services.organisation_create(creator=person, handle="council", display_name="Council")
        assert org.is_organisation
        assert roles.organisation_role(org, person) == Role.OWNER
        assert org.actions.get().action == "organisation.create"

    def test_invite_accept_change_role_remove_each_recorded(self, person, make_person):
        org = services.organisation_create(creator=person, handle="council", display_name="Council")
        bob = make_person("bob")
        inv = services.organisation_invite(
            organisation=org, actor=person, invitee_handle="BOB", role=Role.EDITOR
        )
        assert roles.organisation_role(org, bob) is None
        services.invitation_respond(invitation_id=inv.pk, account=bob, accept=True)
        assert roles.organisation_role(org, bob) == Role.EDITOR
        services.member_change_role(
            organisation=org, actor=person, member_handle="bob", role=Role.ADMIN
        )
        services.member_remove(organisation=org, actor=person, member_handle="bob")
        actions = [(a.actor.handle, a.action) for a in org.actions.order_by("id")]
        assert actions == [
            ("alice", "organisation.create"),
            ("alice", "member.invite"),
            ("bob", "member.join"),
            ("alice", "member.role"),
            ("alice", "member.remove"),
        ]

    def test_only_the_invitee_can_accept(self, person, make_person):
        org = services.organisation_create(creator=person, handle="council", display_name="Council")
        make_person("bob")
        inv = services.organisation_invite(
            organisation=org, actor=person, invitee_handle="bob", role=Role.EDITOR
        )
        with pytest.raises(DomainError) as exc:
            services.invitation_respond(invitation_id=inv.pk, account=make_person(), accept=True)
        assert exc.value.status == 404

    def test_invite_twice_or_a_member(self, person, make_person):
        org = services.organisation_create(creator=person, handle="council", display_name="Council")
        make_person("bob")
        services.organisation_invite(
            organisation=org, actor=person, invitee_handle="bob", role="editor"
        )
        with pytest.raises(Conflict) as exc:
            services.organisation_invite(
                organisation=org, actor=person, invitee_handle="bob", role="editor"
            )
        assert code_of(exc) == "already_invited"
        with pytest.raises(Conflict) as exc:
            services.organisation_invite(
                organisation=org, actor=person, invitee_handle="alice", role="editor"
            )
        assert code_of(exc) == "already_member"

    def test_invite_unknown_handle_or_bad_role(self, person):
        org = services.organisation_create(creator=person, handle="council", display_name="Council")
        with pytest.raises(DomainError) as exc:
            services.organisation_invite(
                organisation=org, actor=person, invitee_handle="ghost", role="editor"
            )
        assert code_of(exc) == "account_not_found"
        with pytest.raises(DomainError) as exc:
            services.organisation_invite(
                organisation=org, actor=person, invitee_handle="alice", role="emperor"
            )
        assert code_of(exc) == "role_invalid"

    def _team(self, make_person):
        owner, admin, editor = make_person("owner1"), make_person("admin1"), make_person("editor1")
        org = services.organisation_create(creator=owner, handle="council", display_name="Council")
        for who, role in ((admin, Role.ADMIN), (editor, Role.EDITOR)):
            inv = services.organisation_invite(
                organisation=org, actor=owner, invitee_handle=who.handle, role=role
            )
            services.invitation_respond(invitation_id=inv.pk, account=who, accept=True)
        return org, owner, admin, editor

    def test_editor_cannot_do_admin_actions(self, make_person):
        org, owner, admin, editor = self._team(make_person)
        make_person("newbie")
        with pytest.raises(Forbidden) as exc:
            services.organisation_invite(
                organisation=org, actor=editor, invitee_handle="newbie", role="editor"
            )
        assert code_of(exc) == "role_insufficient"
        with pytest.raises(Forbidden):
            services.member_change_role(
                organisation=org, actor=editor, member_handle="admin1", role="editor"
            )
        with pytest.raises(Forbidden):
            services.member_remove(organisation=org, actor=editor, member_handle="admin1")
        with pytest.raises(Forbidden):
            services.profile_update(account=org, actor=editor, bio="x")

    def test_admin_cannot_touch_owners(self, make_person):
        org, owner, admin, editor = self._team(make_person)
        with pytest.raises(Forbidden):
            services.member_change_role(
                organisation=org, actor=admin, member_handle="editor1", role="owner"
            )
        with pytest.raises(Forbidden):
            services.member_remove(organisation=org, actor=admin, member_handle="owner1")
        services.member_change_role(
            organisation=org, actor=admin, member_handle="editor1", role="admin"
        )

    def test_outsider_is_not_a_member(self, make_person):
        org, *_ = self._team(make_person)
        with pytest.raises(Forbidden) as exc:
            services.member_remove(organisation=org, actor=make_person(), member_handle="editor1")
        assert code_of(exc) == "not_a_member"

    def test_last_owner_cannot_be_demoted_or_removed_or_leave(self, make_person):
        org, owner, admin, editor = self._team(make_person)
        with pytest.raises(Conflict) as exc:
            services.member_change_role(
                organisation=org, actor=owner, member_handle="owner1", role="admin"
            )
        assert code_of(exc) == "last_owner"
        with pytest.raises(Conflict):
            services.member_remove(organisation=org, actor=owner, member_handle="owner1")
        assert roles.organisation_role(org, owner) == Role.OWNER
        # With a second owner, the first may step down.
        services.member_change_role(
            organisation=org, actor=owner, member_handle="admin1", role="owner"
        )
        services.member_remove(organisation=org, actor=owner, member_handle="owner1")
        assert roles.organisation_role(org, owner) is None

    def test_members_may_leave(self, make_person):
        org, owner, admin, editor = self._team(make_person)
        services.member_remove(organisation=org, actor=editor, member_handle="editor1")
        assert org.actions.first().action == "member.leave"

    def test_only_staff_verify(self, make_person):
        org, owner, *_ = self._team(make_person)
        with pytest.raises(Forbidden):
            services.organisation_set_verified(organisation=org, actor=owner, verified=True)
        staff = services.account_set_staff(account=make_person(), is_staff=True)
        services.organisation_set_verified(organisation=org, actor=staff, verified=True)
        org.refresh_from_db()
        assert org.verified
        assert org.actions.first().actor == staff
