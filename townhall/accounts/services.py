"""Every change to accounts, tokens and organisations happens here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import partial

from django.contrib.auth.hashers import check_password, make_password
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.audit.gateway import Vault, own_vault, provision
from townhall.errors import Conflict, DomainError, Forbidden, NotAuthenticated, NotFound
from townhall.regions.selectors import region_for_country, storage_for

from . import privacy, roles
from . import validation as v
from .avatars import render_avatar
from .lookups import email_digest, email_owner, token_lookup
from .models import (
    Account,
    ApiToken,
    Identity,
    Invitation,
    Membership,
    OrganisationAction,
    Role,
)
from .ratelimit import check_rate
from .records import TokenInfo

MAX_ACTIVE_TOKENS = 20
TOKEN_PREFIX = "th"
# Hashed on every log-in whose account is not found, so that it costs one password hash, as a
# wrong password for an existing account does: the time taken does not tell whether it exists.
_DUMMY_PASSWORD = "townhall-timing-equaliser"


def _collect[T](errors: dict[str, DomainError], field: str, check: Callable[[], T]) -> T | None:
    try:
        return check()
    except DomainError as exc:
        errors[field] = exc
        return None


def _raise_collected(errors: dict[str, DomainError]) -> None:
    """One error for every field that failed: a 409 when each failed only against what is
    stored (a handle or e-mail address taken), else a 400 (the input itself is wrong)."""
    if errors:
        first = next(iter(errors.values()))
        kind = Conflict if all(isinstance(e, Conflict) for e in errors.values()) else DomainError
        raise kind(first.code, first.message, fields={k: e.message for k, e in errors.items()})


# --- Sign-up, log-in, passwords ---------------------------------------------------------------


def account_sign_up(
    *,
    handle: str,
    display_name: str,
    email: str,
    password: str,
    date_of_birth: dt.date | None,
    country: str = "",
    ip: str | None = None,
    reserved_ok: bool = False,
    rate_limited: bool = True,
    today: dt.date | None = None,
) -> Account:
    """Create a person's account, its data key and its encrypted identity in the home region.

    Every attempt counts against the sign-up limit of the client's address ``ip`` (429
    ``rate_limited`` once it is reached), whether it succeeds or not. ``rate_limited=False``
    is for the operator's own commands (demo data), which no client reaches.
    """
    if rate_limited:
        check_rate("signup-ip", ip or "unknown")
    today = today or timezone.localdate()
    errors: dict[str, DomainError] = {}
    clean_handle = _collect(errors, "handle", partial(v.clean_handle, handle))
    if clean_handle:
        _collect(
            errors,
            "handle",
            partial(v.check_handle_available, clean_handle, reserved_ok=reserved_ok),
        )
    clean_name = _collect(errors, "display_name", partial(v.clean_display_name, display_name))
    clean_email = _collect(errors, "email", partial(v.clean_email, email))
    if clean_email and email_owner(clean_email) is not None:
        errors["email"] = Conflict(
            "email_taken", "An account with this e-mail address already exists."
        )
    dob = _collect(errors, "date_of_birth", partial(v.clean_date_of_birth, date_of_birth, today))
    clean_country = _collect(errors, "country", partial(v.clean_country, country))
    _collect(
        errors,
        "password",
        partial(
            v.clean_password,
            password,
            handle=clean_handle or handle,
            display_name=clean_name or display_name,
            email=clean_email or email,
        ),
    )
    _raise_collected(errors)
    assert dob is not None and clean_handle and clean_name and clean_email

    region = region_for_country(clean_country)
    try:
        with (
            transaction.atomic(),
            transaction.atomic(using=region.db_alias),
            transaction.atomic(using=region.keyring_alias),
        ):
            account = Account.objects.create(
                handle=clean_handle,
                display_name=clean_name,
                kind=Account.Kind.PERSON,
                age_band=v.age_band_for(dob, today),
                home_region=region.code,
            )
            provision(subject=account).create(
                Identity,
                email=clean_email,
                email_digest=email_digest(region.code, clean_email),
                password=make_password(password),
                date_of_birth=dob,
                country=clean_country or None,
                signup_ip=ip,
            )
    except IntegrityError:
        # Two sign-ups raced for the same handle or address; the loser gets the usual answer.
        raise Conflict("handle_taken", "That handle or e-mail address was just taken.") from None
    return account


def account_authenticate(*, login: str, password: str, ip: str | None = None) -> Account:
    """Check a handle (or e-mail) and password against the identity in the home region."""
    login = (login or "").strip()
    check_rate("login-ip", ip or "unknown")
    check_rate("login-account", login.lower())
    account: Account | None
    if "@" in login:
        found = email_owner(login)
        account = Account.objects.filter(pk=found[1]).first() if found else None
    else:
        account = Account.objects.filter(handle=login.lower(), kind=Account.Kind.PERSON).first()

    vault = own_vault(account, acting=account) if account is not None else None
    identity = vault.rows(Identity).first() if vault is not None else None
    if account is None or vault is None or identity is None:
        make_password(_DUMMY_PASSWORD)
        raise NotAuthenticated("invalid_credentials", "The handle or password is not right.")

    def upgrade(raw: str) -> None:
        vault.update(identity, password=make_password(raw))

    if not check_password(password, vault.open(identity, "password"), setter=upgrade):
        raise NotAuthenticated("invalid_credentials", "The handle or password is not right.")
    if not account.is_active:
        raise Forbidden("account_inactive", "This account cannot sign in.")

    vault.update(identity, last_login_ip=ip, last_login_at=timezone.now())
    band = v.age_band_for(vault.open(identity, "date_of_birth"), timezone.localdate())
    if band != account.age_band:
        account.age_band = band
        account.save(update_fields=["age_band"])
    return account


def account_change_password(*, account: Account, old_password: str, new_password: str) -> None:
    vault = own_vault(account, acting=account)
    identity = vault.rows(Identity).get()
    if not check_password(old_password, vault.open(identity, "password")):
        raise DomainError.for_field(
            "old_password", "password_incorrect", "The current password is not right."
        )
    try:
        v.clean_password(
            new_password,
            handle=account.handle,
            display_name=account.display_name,
            email=vault.open(identity, "email"),
        )
    except DomainError as exc:
        raise DomainError.for_field("new_password", exc.code, exc.message) from None
    with transaction.atomic(), transaction.atomic(using=vault.region.db_alias):
        vault.update(identity, password=make_password(new_password))
        account.auth_salt = secrets.token_hex(16)
        account.save(update_fields=["auth_salt"])


def account_set_staff(
    *, account: Account, is_staff: bool, is_superuser: bool = False, jurisdiction: str = ""
) -> Account:
    """Make a person staff (or not). Staff carry the jurisdiction they work from."""
    if account.is_organisation:
        raise DomainError("not_a_person", "Only people can be staff.")
    jurisdiction = v.clean_country(jurisdiction) if is_staff else ""
    account.is_staff = is_staff
    account.is_superuser = is_superuser and is_staff
    account.staff_jurisdiction = jurisdiction
    account.save(update_fields=["is_staff", "is_superuser", "staff_jurisdiction"])
    return account


# --- Profiles ---------------------------------------------------------------------------------


def profile_update(
    *,
    account: Account,
    actor: Account,
    display_name: str | None = None,
    bio: str | None = None,
    link: str | None = None,
    is_private: bool | None = None,
) -> Account:
    """Change the public profile of ``account`` (a person themself, an organisation's owners
    and admins). An account made public again (``is_private`` from True to False) approves its
    pending follow requests in the same transaction (``privacy.account_opened``)."""
    roles.require_can_edit_profile(account=account, actor=actor)
    errors: dict[str, DomainError] = {}
    changes: dict[str, object] = {}
    opened = is_private is False and account.is_private
    if is_private is not None:
        changes["is_private"] = bool(is_private)
    if display_name is not None:
        changes["display_name"] = _collect(
            errors, "display_name", partial(v.clean_display_name, display_name)
        )
    if bio is not None:
        changes["bio"] = _collect(errors, "bio", partial(v.clean_bio, bio))
    if link is not None:
        changes["link"] = _collect(errors, "link", partial(v.clean_link, link))
    _raise_collected(errors)
    with transaction.atomic():
        for field, value in changes.items():
            setattr(account, field, value)
        account.save(update_fields=list(changes))
        organisation_action_record(
            organisation=account,
            actor=actor,
            action="profile.update",
            detail={"fields": sorted(changes)},
        )
        if opened:
            privacy.account_opened(account=account, actor=actor)
    return account


def avatar_set(*, account: Account, actor: Account, upload: object) -> Account:
    """Re-encode an uploaded image (EXIF dropped) and make it the account's avatar."""
    roles.require_can_edit_profile(account=account, actor=actor)
    data = render_avatar(upload)
    old = account.avatar
    storage = storage_for("avatars")
    name = storage.save(f"avatars/{account.pk}/{secrets.token_hex(8)}.webp", ContentFile(data))
    try:
        with transaction.atomic():
            account.avatar = name
            account.save(update_fields=["avatar"])
            organisation_action_record(organisation=account, actor=actor, action="profile.avatar")
    except Exception:
        storage.delete(name)
        raise
    if old:
        transaction.on_commit(partial(storage.delete, old))
    return account


def profile_save(
    *,
    account: Account,
    actor: Account,
    display_name: str,
    bio: str,
    link: str,
    avatar: object | None = None,
    is_private: bool | None = None,
) -> Account:
    """The profile page's save: the fields and, if one came, the avatar, together or neither.

    One transaction, so that a refused avatar does not leave the other fields half-saved; the
    avatar goes last because its file is written before its row (and removed if that fails).
    On a refusal ``account`` is read again, so that the caller shows what is stored.
    """
    try:
        with transaction.atomic():
            profile_update(
                account=account,
                actor=actor,
                display_name=display_name,
                bio=bio,
                link=link,
                is_private=is_private,
            )
            if avatar:
                avatar_set(account=account, actor=actor, upload=avatar)
    except DomainError:
        account.refresh_from_db()
        raise
    return account


# --- API tokens -------------------------------------------------------------------------------


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_info(vault: Vault, token: ApiToken) -> TokenInfo:
    return TokenInfo(
        pk=token.pk,
        name=vault.open(token, "name"),
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


def token_create(*, account: Account, name: str) -> tuple[TokenInfo, str]:
    """Create a token; the secret is returned once and only its hash is kept."""
    name = " ".join((name or "").split())
    if not name or len(name) > 64:
        raise DomainError.for_field(
            "name", "token_name_invalid", "Name the token (1-64 characters)."
        )
    if account.is_organisation:
        raise Forbidden("not_allowed", "Organisations act through their members' tokens.")
    vault = own_vault(account, acting=account)
    if vault.rows(ApiToken).filter(revoked_at=None).count() >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            "too_many_tokens", f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first."
        )
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    token = vault.create(ApiToken, name=name, key_id=key_id, secret_hash=_secret_hash(secret))
    return token_info(vault, token), f"{TOKEN_PREFIX}_{account.home_region}_{key_id}_{secret}"


def token_revoke(*, account: Account, token_id: int) -> TokenInfo:
    vault = own_vault(account, acting=account)
    token = vault.rows(ApiToken).filter(pk=token_id).first()
    if token is None:
        raise NotFound("token_not_found", "No such token.")
    if token.revoked_at is None:
        vault.update(token, revoked_at=timezone.now())
    return token_info(vault, token)


def token_authenticate(raw: str) -> Account | None:
    """The account a bearer token belongs to, or None when it is unknown, revoked or malformed."""
    parts = (raw or "").split("_", 3)
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX:
        return None
    _, region_code, key_id, secret = parts
    found = token_lookup(key_id, region_code)
    if found is None:
        return None
    region, account_id, secret_hash, revoked = found
    account = Account.objects.filter(pk=account_id, is_active=True).first()
    if account is not None and account.home_region != region:
        # Mid-move, the source region still holds a copy: the home region's row decides.
        found = token_lookup(key_id, account.home_region)
        if found is None or found[0] != account.home_region:
            return None
        region, account_id, secret_hash, revoked = found
    if account is None or revoked or not hmac.compare_digest(secret_hash, _secret_hash(secret)):
        return None
    vault = own_vault(account, acting=account)
    token = vault.rows(ApiToken).filter(key_id=key_id).first()
    now = timezone.now()
    if token is not None and (
        token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5)
    ):
        vault.update(token, last_used_at=now)
    return account


# --- Organisations ----------------------------------------------------------------------------


def organisation_action_record(
    *,
    organisation: Account,
    actor: Account,
    action: str,
    subject: Account | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Record which member did ``action`` for ``organisation``; nothing for a person's account.

    Every service that acts for an organisation calls this inside its own transaction, so the
    record exists exactly when the change does. Other apps call it too (``media.video_delete``).
    """
    if organisation.is_organisation:
        OrganisationAction.objects.create(
            organisation=organisation,
            actor=actor,
            action=action,
            subject=subject,
            detail=detail or {},
        )


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise DomainError.for_field(
            "role", "role_invalid", f"A role is one of: {', '.join(Role.values)}."
        )
    return role


def _member(organisation: Account, handle: str) -> Membership:
    clean = (handle or "").lower()
    memberships = Membership.objects.select_for_update().select_related("member")
    # No handle holds a NUL character, and PostgreSQL refuses to compare text that does.
    membership = (
        None
        if "\x00" in clean
        else memberships.filter(organisation=organisation, member__handle=clean).first()
    )
    if membership is None:
        raise NotFound("member_not_found", f"@{handle} is not a member of this organisation.")
    return membership


def _owner_count(organisation: Account) -> int:
    owners = Membership.objects.select_for_update().filter(
        organisation=organisation, role=Role.OWNER
    )
    return len(owners)


def organisation_create(
    *, creator: Account, handle: str, display_name: str, bio: str = ""
) -> Account:
    if creator.is_organisation:
        raise Forbidden("not_allowed", "An organisation cannot create another organisation.")
    errors: dict[str, DomainError] = {}
    clean_handle = _collect(errors, "handle", partial(v.clean_handle, handle))
    if clean_handle:
        _collect(errors, "handle", partial(v.check_handle_available, str(clean_handle)))
    clean_name = _collect(errors, "display_name", partial(v.clean_display_name, display_name))
    clean_bio = _collect(errors, "bio", partial(v.clean_bio, bio))
    _raise_collected(errors)
    try:
        with transaction.atomic():
            organisation = Account.objects.create(
                handle=str(clean_handle),
                display_name=str(clean_name),
                bio=str(clean_bio or ""),
                kind=Account.Kind.ORGANISATION,
                home_region=creator.home_region,
            )
            Membership.objects.create(organisation=organisation, member=creator, role=Role.OWNER)
            organisation_action_record(
                organisation=organisation, actor=creator, action="organisation.create"
            )
    except IntegrityError:
        raise Conflict("handle_taken", "That handle was just taken.") from None
    return organisation


def organisation_set_verified(*, organisation: Account, actor: Account, verified: bool) -> Account:
    if not actor.is_staff:
        raise Forbidden("staff_only", "Only staff can verify an organisation.")
    if not organisation.is_organisation:
        raise DomainError("not_an_organisation", "Only organisations can be verified.")
    with transaction.atomic():
        organisation.verified = verified
        organisation.save(update_fields=["verified"])
        organisation_action_record(
            organisation=organisation,
            actor=actor,
            action="organisation.verify",
            detail={"verified": verified},
        )
    return organisation


@transaction.atomic
def organisation_invite(
    *, organisation: Account, actor: Account, invitee_handle: str, role: str
) -> Invitation:
    actor_role = roles.require_team_manager(organisation, actor)
    role = _clean_role(role)
    if not roles.can_grant_role(actor_role, role):
        raise Forbidden("role_insufficient", "Only an owner can invite another owner.")
    invitee = Account.objects.filter(handle=(invitee_handle or "").strip().lower()).first()
    if invitee is None or not invitee.is_active:
        raise NotFound.for_field(
            "handle", "account_not_found", f"No account @{invitee_handle} to invite."
        )
    if invitee.is_organisation:
        # Which kind of account a handle names is stored state, as for the two below.
        raise Conflict.for_field(
            "handle", "invitee_is_organisation", "Only people can join an organisation's team."
        )
    if Membership.objects.filter(organisation=organisation, member=invitee).exists():
        raise Conflict.for_field(
            "handle", "already_member", f"@{invitee.handle} is already on the team."
        )
    if Invitation.objects.filter(
        organisation=organisation, invitee=invitee, state=Invitation.State.PENDING
    ).exists():
        raise Conflict.for_field(
            "handle", "already_invited", f"@{invitee.handle} already has a pending invitation."
        )
    invitation = Invitation.objects.create(
        organisation=organisation, invitee=invitee, invited_by=actor, role=role
    )
    organisation_action_record(
        organisation=organisation,
        actor=actor,
        action="member.invite",
        subject=invitee,
        detail={"role": role},
    )
    return invitation


def _pending_invitation(invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organisation", "invitee")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise NotFound("invitation_not_found", "No such invitation.")
    return invitation


@transaction.atomic
def invitation_respond(*, invitation_id: int, account: Account, accept: bool) -> Invitation:
    invitation = _pending_invitation(invitation_id)
    if invitation.invitee_id != account.pk:
        raise NotFound("invitation_not_found", "No such invitation.")
    if invitation.state != Invitation.State.PENDING:
        raise Conflict("invitation_closed", f"This invitation was already {invitation.state}.")
    invitation.state = Invitation.State.ACCEPTED if accept else Invitation.State.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["state", "responded_at"])
    if accept:
        Membership.objects.get_or_create(
            organisation=invitation.organisation, member=account, defaults={"role": invitation.role}
        )
    organisation_action_record(
        organisation=invitation.organisation,
        actor=account,
        action="member.join" if accept else "member.decline",
        subject=account,
        detail={"role": invitation.role},
    )
    return invitation


@transaction.atomic
def invitation_withdraw(*, invitation_id: int, actor: Account) -> Invitation:
    invitation = _pending_invitation(invitation_id)
    roles.require_team_manager(invitation.organisation, actor)
    if invitation.state != Invitation.State.PENDING:
        raise Conflict("invitation_closed", f"This invitation was already {invitation.state}.")
    invitation.state = Invitation.State.REVOKED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["state", "responded_at"])
    organisation_action_record(
        organisation=invitation.organisation,
        actor=actor,
        action="member.uninvite",
        subject=invitation.invitee,
    )
    return invitation


@transaction.atomic
def member_change_role(
    *, organisation: Account, actor: Account, member_handle: str, role: str
) -> Membership:
    actor_role = roles.require_team_manager(organisation, actor)
    role = _clean_role(role)
    membership = _member(organisation, member_handle)
    if not (
        roles.can_grant_role(actor_role, role)
        and roles.can_manage_member(actor_role, membership.role)
    ):
        raise Forbidden("role_insufficient", "Only an owner can grant or take the owner role.")
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER and _owner_count(organisation) <= 1:
        raise Conflict(
            "last_owner", "An organisation needs at least one owner: make someone else owner first."
        )
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    organisation_action_record(
        organisation=organisation,
        actor=actor,
        action="member.role",
        subject=membership.member,
        detail={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def member_remove(*, organisation: Account, actor: Account, member_handle: str) -> None:
    membership = _member(organisation, member_handle)
    leaving = membership.member_id == actor.pk
    if not leaving:
        actor_role = roles.require_team_manager(organisation, actor)
        if not roles.can_manage_member(actor_role, membership.role):
            raise Forbidden("role_insufficient", "Only an owner can remove an owner.")
    if membership.role == Role.OWNER and _owner_count(organisation) <= 1:
        raise Conflict(
            "last_owner", "An organisation needs at least one owner: make someone else owner first."
        )
    member = membership.member
    membership.delete()
    organisation_action_record(
        organisation=organisation,
        actor=actor,
        action="member.leave" if leaving else "member.remove",
        subject=member,
    )
