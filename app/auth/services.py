"""Sign-in, lockout, passwords, two-factor and account administration."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from app.admin import settings
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth import sealing, sessions, throttle, totp
from app.auth.models import (
    DESIGNATIONS,
    AcceptanceAuthority,
    Department,
    Role,
    SessionEnd,
    ThrottleScope,
    User,
    UserSession,
    new_session_token,
)
from app.auth.passwords import dummy_hash, hash_password, needs_rehash, password_problem, verify_password
from app.auth.permissions import RISK_ACCEPT, role_has
from app.common.timeutil import utcnow
from app.extensions import db

USER_AUDIT_FIELDS = ["email", "full_name", "role", "active", "mfa_enabled"]
DEACTIVATED_LOGIN_ERROR = "This account is deactivated. Ask an administrator if you need access again."
TOTP_KEY_ERROR = (
    "Two-factor codes cannot be checked at the moment: the server's two-factor key is not the one your "
    "code was set up with. This is a fault on the server, not in your code; tell an administrator."
)


class AccountError(Exception):
    """A rule about accounts was broken; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def active_users_with_role(role: Role) -> list[User]:
    """The active accounts of one role, oldest account first: whom the registers' reminders go to
    when a record has nobody of its own (the security officers, the HR officers)."""
    return list(db.session.scalars(sa.select(User).where(User.role == role.value, User.active.is_(True))
                                   .order_by(User.id)))


def user_of_pending_sign_in(pending_id: str | None) -> User | None:
    """The user of a half-finished sign-in (password given, code not yet), from '<id>:<session token>'
    (User.get_id()): a password reset, deactivation or two-factor reset since then ends it."""
    user_id, _, token = (pending_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


# --- signing in -------------------------------------------------------------------------------

# One answer to every refused sign-in, whatever the account's state (no account, a wrong password,
# an account whose sign-in is being slowed down), so that the answer tells nobody which it was.
SIGN_IN_REFUSED = (
    "The e-mail address or password is incorrect. After repeated failed attempts signing in is slowed "
    "down: wait a few minutes and try again, or ask your Khusela administrator."
)
SECOND_FACTOR_REFUSED = (
    "That code is not right, or it was used already. Enter the 6-digit code your authenticator app shows "
    "now; if you just used one, wait for the next. After repeated wrong codes signing in is slowed down: "
    "wait a few minutes and try again."
)


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None
    needs_second_factor: bool = False


def check_password(email: str, password: str, *, address: str) -> SignInResult:
    """First step of signing in, from the client `address`. Every refusal gets the same answer and
    costs the same password check (argon2, against a hash of no password for an unknown address),
    so neither the answer nor the time it takes tells whether the address has an account or is
    being slowed down."""
    account = normalise_email(email)[:254]
    user = find_user_by_email(account)
    right = verify_password(user.password_hash if user else dummy_hash(), password)
    wait = throttle.wait_left(account, address)
    if wait is not None:
        _record_refusal(user, account, f"Sign-in slowed down: {_duration(wait)} to wait")
        return SignInResult(None, SIGN_IN_REFUSED)
    if user is None or not right:
        _register_failure(user, account, address, "Wrong password" if user else "Unknown e-mail address")
        return SignInResult(None, SIGN_IN_REFUSED)
    if not user.active:
        # Said only to someone who gave the right password: they learn nothing an attacker could
        # use, and the person whose account it is learns why they cannot sign in.
        _record_refusal(user, account, "Account deactivated")
        return SignInResult(None, DEACTIVATED_LOGIN_ERROR)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.mfa_enabled:
        db.session.flush()
        return SignInResult(user, needs_second_factor=True)
    return SignInResult(user)


def check_second_factor(user: User, code: str, *, address: str) -> SignInResult:
    wait = throttle.wait_left(user.email, address)
    if wait is not None:
        _record_refusal(user, user.email, f"Sign-in slowed down: {_duration(wait)} to wait")
        return SignInResult(None, SECOND_FACTOR_REFUSED)
    if not user.active:  # deactivated after the password step
        _record_refusal(user, user.email, "Account deactivated")
        return SignInResult(None, DEACTIVATED_LOGIN_ERROR)
    try:
        secret = totp_secret_of(user)
    except sealing.KeyMismatch as error:
        # Not the user's mistake, so no failed attempt: the administrator must restore the key.
        current_app.logger.error("Two-factor sign-in of user %s refused: %s", user.id, error)
        audit.record(AuditAction.LOGIN_REFUSED, "user", user.id, actor=user,
                     summary="Two-factor secret unreadable: the server's two-factor key changed (see the server log)")
        db.session.flush()
        return SignInResult(None, TOTP_KEY_ERROR)
    step = totp.accepted_step(secret, code, user.totp_last_step) if secret else None
    if step is None:
        _register_failure(user, user.email, address, "Wrong two-factor code")
        return SignInResult(None, SECOND_FACTOR_REFUSED)
    user.totp_last_step = step
    db.session.flush()
    return SignInResult(user)


def _register_failure(user: User | None, account: str, address: str, reason: str) -> None:
    audit.record(AuditAction.LOGIN_FAILED, "user", user.id if user else None, summary=reason, actor=user,
                 actor_email=account)
    for slowed in throttle.count_failure(account, address):
        audit.record(AuditAction.SIGN_IN_SLOWED, "user", user.id if user else None, actor=user, actor_email=account,
                     summary=f"Sign-in slowed down for {_duration(slowed.wait)} after {slowed.failures} failed "
                             f"attempts {_SCOPE_WORDS[slowed.scope]}")
    db.session.flush()


_SCOPE_WORDS = {
    ThrottleScope.ACCOUNT_AT_ADDRESS: "for this account from this address",
    ThrottleScope.ADDRESS: "from this address, for any account",
    ThrottleScope.ACCOUNT: "for this account from any address (addresses it signed in from are not slowed)",
}


def _record_refusal(user: User | None, account: str, reason: str) -> None:
    audit.record(AuditAction.LOGIN_REFUSED, "user", user.id if user else None, summary=reason, actor=user,
                 actor_email=account)
    db.session.flush()


def _duration(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"


def sign_in_slowed_until(user: User) -> datetime | None:
    """Until when some sign-in attempt for the account must wait, for the administrator's page."""
    return throttle.slowed_until(user.email)


def record_sign_in(user: User, *, address: str) -> None:
    throttle.count_success(user.email, address)
    user.last_login_at = utcnow()
    audit.record(AuditAction.LOGIN, "user", user.id, summary="Signed in", actor=user)
    db.session.flush()


def record_sign_out(user: User, reason: str = "Signed out") -> None:
    audit.record(AuditAction.LOGOUT, "user", user.id, summary=reason, actor=user)
    db.session.flush()


def role_requires_mfa(user: User) -> bool:
    return settings.mfa_required_for(user.role)


def must_enrol_in_mfa(user: User) -> bool:
    return not user.mfa_enabled and role_requires_mfa(user)


# --- own account --------------------------------------------------------------------------------


def change_own_password(user: User, current_password: str, new_password: str, *,
                        keep_session: UserSession | None = None) -> None:
    """Ends the user's other sessions: whoever else was signed in as them must know the new password."""
    if not verify_password(user.password_hash, current_password):
        raise AccountError("The current password is not right.", "current_password")
    if current_password == new_password:
        raise AccountError("Choose a new password that differs from the current one.", "new_password")
    _check_new_password(new_password, user.email, user.full_name, "new_password")
    _set_password(user, new_password, must_change=False)
    ended = sessions.end_all(user, SessionEnd.PASSWORD_CHANGED, keep=keep_session)
    audit.record(AuditAction.PASSWORD_CHANGED, "user", user.id, actor=user,
                 summary=f"Changed own password{_sessions_ended_note(ended)}")
    db.session.flush()


def _check_new_password(password: str, email: str, full_name: str, field: str) -> None:
    """The password rule (passwords.password_problem), with the words an attacker would try first
    for this account: its e-mail address and name, and the organisation's name."""
    problem = password_problem(password, [email, full_name, str(settings.get(settings.ORGANISATION_NAME))])
    if problem:
        raise AccountError(problem, field)


def _set_password(user: User, password: str, must_change: bool) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    user.session_token = new_session_token()


def _sessions_ended_note(count: int) -> str:
    return f"; {count} other session(s) ended" if count else ""


def new_totp_secret() -> str:
    return totp.new_secret()


def accounts_with_unreadable_totp_secret() -> tuple[int, list[User]]:
    """How many accounts have a two-factor secret, and those whose secret the current key does not open."""
    enrolled = list(db.session.scalars(sa.select(User).where(User.totp_secret.is_not(None)).order_by(User.email)))
    unreadable = []
    for user in enrolled:
        try:
            totp_secret_of(user)
        except sealing.KeyMismatch:
            unreadable.append(user)
    return len(enrolled), unreadable


def totp_secret_of(user: User) -> str | None:
    """The user's two-factor secret, unsealed; sealing.KeyMismatch when the key has changed."""
    if user.totp_secret is None:
        return None
    return sealing.unseal(user.totp_secret, sealing.user_context(user.id))


def provisioning_uri(user: User, secret: str) -> str:
    return totp.provisioning_uri(secret, user.email)


def enable_mfa(user: User, secret: str, code: str) -> None:
    step = totp.accepted_step(secret, code, None)
    if step is None:
        raise AccountError(
            "That code does not match. Check the time on your phone and enter the code shown now.", "code"
        )
    user.totp_secret = sealing.seal(secret, sealing.user_context(user.id))
    user.totp_last_step = step
    user.mfa_enabled = True
    audit.record(AuditAction.MFA_ENABLED, "user", user.id, changes={"mfa_enabled": [False, True]}, actor=user)
    db.session.flush()


def disable_own_mfa(user: User, password: str) -> None:
    if role_requires_mfa(user):
        raise AccountError("Two-factor sign-in is required for your role and cannot be turned off.", "password")
    if not verify_password(user.password_hash, password):
        raise AccountError("The password is not right.", "password")
    user.totp_secret = None
    user.mfa_enabled = False
    audit.record(AuditAction.MFA_DISABLED, "user", user.id, changes={"mfa_enabled": [True, False]}, actor=user)
    db.session.flush()


# --- administering accounts -------------------------------------------------------------------


def _audited_values(user: User) -> dict:
    """What the audit log records of an account: the department by its code, which a reader knows."""
    department = db.session.get(Department, user.department_id) if user.department_id else None
    return {**audit.snapshot(user, USER_AUDIT_FIELDS), "department": department.code if department else None}


def _same_account(user: User, actor: User | None) -> bool:
    return actor is not None and getattr(actor, "id", None) == user.id


def _check_email(email: str) -> str:
    """The address, normalised; AccountError when it is not an e-mail address at all."""
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AccountError(f"“{email}” is not a valid e-mail address; use the form name@westerncape.gov.za.",
                           "email") from None


def _check_department(department_id: int | None, current_id: int | None = None) -> None:
    if department_id is None or department_id == current_id:
        return
    department = db.session.get(Department, department_id)
    if department is None or not department.active:
        raise AccountError("Choose an active department, or none for a province-wide role.", "department_id")


def _check_unique_email(email: str, except_user: User | None = None) -> None:
    existing = find_user_by_email(email)
    if existing is not None and existing is not except_user:
        raise AccountError(f"Another account already uses {email}.", "email")


def create_user(
    *, email: str, full_name: str, role: str, department_id: int | None, password: str, actor: User | None,
    must_change_password: bool = True,
) -> User:
    email = _check_email(normalise_email(email))
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}.", "role")
    _check_unique_email(email)
    _check_department(department_id)
    _check_new_password(password, email, full_name, "password")
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=role,
        department_id=department_id,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    after = _audited_values(user)
    audit.record(AuditAction.CREATE, "user", user.id, changes=audit.diff({}, after), summary=f"Created {email}",
                 actor=actor)
    db.session.flush()
    return user


def update_user(user: User, *, expected_version: int, email: str, full_name: str, role: str,
                department_id: int | None, actor: User) -> dict:
    user.check_version(expected_version, "account")
    email = _check_email(normalise_email(email))
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role {role!r}.", "role")
    _check_unique_email(email, except_user=user)
    _check_department(department_id, current_id=user.department_id)
    if _same_account(user, actor) and role != user.role:
        raise AccountError("You cannot change your own role; ask another administrator.", "role")
    before = _audited_values(user)
    user.email, user.full_name, user.role, user.department_id = email, full_name.strip(), role, department_id
    changes = audit.diff(before, _audited_values(user))
    if changes:
        audit.record(AuditAction.UPDATE, "user", user.id, changes=changes, summary=f"Edited {user.email}", actor=actor)
    db.session.flush()
    return changes


def _check_acceptance_authority(authority: str | None, role: str, department_id: int | None) -> None:
    """A designation only an account that may accept risks can hold; a head of department heads one."""
    if authority is None:
        return
    if authority not in {designation.value for designation in DESIGNATIONS}:
        raise AccountError(f"Unknown acceptance authority {authority!r}; choose head of department, accounting "
                           "officer or none.", "acceptance_authority")
    label = AcceptanceAuthority(authority).label.lower()
    if not role_has(role, RISK_ACCEPT):
        role_label = Role(role).label if role in {r.value for r in Role} else role
        raise AccountError(f"This account is designated {label}, and its role ({role_label}) cannot accept risks: "
                           "give it the risk owner role, or remove the designation.", "acceptance_authority")
    if authority == AcceptanceAuthority.HEAD_OF_DEPARTMENT and department_id is None:
        raise AccountError("A head of department heads a department: choose the department, or another "
                           "designation.", "acceptance_authority")


def set_acceptance_authority(user: User, authority: str | None, *, actor: User | None) -> dict:
    """Designate the account head of department or accounting officer for accepting risks (or
    neither). Checked even when unchanged, after an edit of the role or department: the account
    must still be able to hold it. Its own audit entry: who may accept the organisation's highest
    risks is what an auditor asks first."""
    authority = authority or None
    _check_acceptance_authority(authority, user.role, user.department_id)
    before = user.acceptance_authority
    if before == authority:
        return {}
    user.acceptance_authority = authority
    changes = {"acceptance_authority": [before, authority]}
    what = AcceptanceAuthority(authority).label.lower() if authority else "no acceptance authority"
    audit.record(AuditAction.UPDATE, "user", user.id, changes=changes,
                 summary=f"Designated {user.email}: {what}", actor=actor)
    db.session.flush()
    return changes


def set_user_active(user: User, active: bool, *, expected_version: int, actor: User) -> None:
    """Deactivate or reactivate. Accounts are never deleted: the audit log refers to them."""
    user.check_version(expected_version, "account")
    if _same_account(user, actor) and not active:
        raise AccountError("You cannot deactivate your own account.")
    if user.active == active:
        return
    user.active = active
    if not active:  # signs the user out at once, a half-finished sign-in too
        user.session_token = new_session_token()
        sessions.end_all(user, SessionEnd.DEACTIVATED)
    audit.record(
        AuditAction.REACTIVATE if active else AuditAction.DEACTIVATE, "user", user.id,
        changes={"active": [not active, active]}, summary=f"{'Reactivated' if active else 'Deactivated'} {user.email}",
        actor=actor,
    )
    db.session.flush()


def reset_password(user: User, new_password: str, *, actor: User) -> None:
    _check_new_password(new_password, user.email, user.full_name, "password")
    _set_password(user, new_password, must_change=True)
    sessions.end_all(user, SessionEnd.PASSWORD_RESET)  # the password may have been stolen: whoever used it is out
    throttle.clear_account(user.email)
    audit.record(AuditAction.PASSWORD_RESET, "user", user.id,
                 summary=f"Reset the password of {user.email} (and cleared its failed sign-ins)", actor=actor)
    db.session.flush()


def unlock_user(user: User, *, actor: User | None) -> bool:
    """Forget the account's failed sign-ins, so that it is no longer slowed down from any address.
    Not one's own: a second administrator, or `flask users unlock` on the server (actor None), must
    agree that the failures were not an attack. False when there was nothing to clear."""
    if _same_account(user, actor):
        raise AccountError("You cannot unlock your own account: ask another administrator, or run "
                           f"“flask --app wsgi users unlock {user.email}” on the server.")
    if not throttle.clear_account(user.email):
        return False
    audit.record(AuditAction.UNLOCK, "user", user.id, actor=actor,
                 summary=f"Unlocked {user.email}: its failed sign-ins were cleared, sign-in is no longer slowed down")
    db.session.flush()
    return True


def reset_mfa(user: User, *, actor: User) -> None:
    """For a lost phone: the user enrols again at the next sign-in if the role requires it."""
    if not user.mfa_enabled:
        return
    user.totp_secret = None
    user.mfa_enabled = False
    user.session_token = new_session_token()
    sessions.end_all(user, SessionEnd.MFA_RESET)
    audit.record(AuditAction.MFA_RESET, "user", user.id, changes={"mfa_enabled": [True, False]},
                 summary=f"Reset two-factor sign-in of {user.email}", actor=actor)
    db.session.flush()


def sign_out_everywhere(user: User, *, actor: User) -> int:
    """An administrator ends every session of an account (a stolen laptop, a suspected account
    takeover), half-finished sign-ins included; returns how many sessions were open. Recorded even
    when none was: the log shows the administrator acted."""
    if _same_account(user, actor):
        raise AccountError("To end your own other sessions, use “Sign out my other sessions” on your Sessions "
                           "page (account menu): it keeps the session you are using.")
    user.session_token = new_session_token()
    ended = sessions.end_all(user, SessionEnd.SIGNED_OUT_EVERYWHERE)
    audit.record(AuditAction.SESSIONS_ENDED, "user", user.id, actor=actor,
                 summary=f"Signed {user.email} out everywhere: {ended} open session(s) ended")
    db.session.flush()
    return ended


def sign_out_other_sessions(user: User, keep_session: UserSession) -> int:
    """The user ends their own sessions but the one they are using; returns how many."""
    ended = sessions.end_all(user, SessionEnd.SIGNED_OUT_ELSEWHERE, keep=keep_session)
    if ended:
        audit.record(AuditAction.SESSIONS_ENDED, "user", user.id, actor=user,
                     summary=f"Signed out of {ended} other session(s)")
    db.session.flush()
    return ended
