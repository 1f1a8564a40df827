"""Accounts and the departments they belong to."""

from __future__ import annotations

import enum
import re
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import Timestamped, UTCDateTime, Versioned
from app.extensions import Model


class Role(enum.StrEnum):
    ADMIN = "admin"
    SECURITY_OFFICER = "security_officer"
    RISK_OWNER = "risk_owner"
    MANAGER = "manager"
    HR_OFFICER = "hr_officer"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.SECURITY_OFFICER: "Security officer",
    Role.RISK_OWNER: "Risk owner",
    Role.MANAGER: "Manager",
    Role.HR_OFFICER: "HR officer",
    Role.AUDITOR: "Auditor",
}


class AcceptanceAuthority(enum.StrEnum):
    """Who may formally accept residual risk above tolerance, lowest first (ISO/IEC 27001 6.1.3 f;
    the PFMA s38 and MFMA s62 make the accounting officer answerable for risk management). A band
    of the risk matrix names the lowest one that may accept its risks (app.risks.authority); a
    higher one may accept them too. The risk owner holds it through owning the risk; the other two
    are designations an administrator gives an account (User.acceptance_authority)."""

    RISK_OWNER = "risk_owner"
    HEAD_OF_DEPARTMENT = "head_of_department"
    ACCOUNTING_OFFICER = "accounting_officer"

    @property
    def label(self) -> str:
        return {"risk_owner": "Risk owner", "head_of_department": "Head of department",
                "accounting_officer": "Accounting officer"}[self.value]

    @property
    def rank(self) -> int:
        return list(AcceptanceAuthority).index(self)


# The authorities an administrator designates on an account; the risk owner's comes with the risk.
DESIGNATIONS = (AcceptanceAuthority.HEAD_OF_DEPARTMENT, AcceptanceAuthority.ACCOUNTING_OFFICER)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class Department(Model, Timestamped, Versioned):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class User(Model, UserMixin, Timestamped, Versioned):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A designation (AcceptanceAuthority.HEAD_OF_DEPARTMENT of their department, or ACCOUNTING_OFFICER
    # of their department, or of the organisation without one); None for most people.
    acceptance_authority: Mapped[str | None] = mapped_column(String(32))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sealed with the two-factor key (app/auth/sealing.py), never stored in plain text.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The 30-second step of the last code accepted: a code is good once only.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Rotated whenever the credentials change (a password set, deactivation, a two-factor reset):
    # a half-finished sign-in (password given, code not yet) names it and ends with it. Signed-in
    # sessions are UserSession rows, ended on the server.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    # Sign-in bookkeeping: changing these must not make an administrator's open edit form stale.
    unversioned_fields = Versioned.unversioned_fields | {
        "last_login_at", "password_hash", "password_changed_at",
        "must_change_password", "session_token", "totp_secret", "mfa_enabled", "totp_last_step",
    }

    def get_id(self) -> str:
        """The account and its credentials' generation, for the half-finished sign-in. The login cookie
        carries the random key of a UserSession instead (auth.sessions.COOKIE_KEY)."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


class ThrottleScope(enum.StrEnum):
    """What failed sign-ins are counted against (app/auth/throttle.py)."""

    ACCOUNT_AT_ADDRESS = "account_at_address"  # one account, from one client address
    ADDRESS = "address"  # every account, from one client address
    ACCOUNT = "account"  # one account, from every address


class SignInThrottle(Model):
    """Consecutive failed sign-ins under one key, and until when the next attempt must wait.

    `account` is the e-mail address as typed (normalised), whether or not an account has it, so
    that unknown addresses are slowed exactly like known ones; it is "" in the ADDRESS scope, as
    `address` is in the ACCOUNT scope."""

    __tablename__ = "sign_in_throttle"
    __table_args__ = (UniqueConstraint("scope", "account", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # On the ACCOUNT_AT_ADDRESS row: the account signed in from this address, which the
    # account-wide count then does not hold back.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SessionEnd(enum.StrEnum):
    """Why a signed-in session ended."""

    SIGNED_OUT = "signed_out"
    IDLE = "idle"  # no request for longer than the idle timeout
    LIFETIME = "lifetime"  # the longest a session may last (a setting) was reached
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password): from another session
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a reason, not a password): by an administrator
    DEACTIVATED = "deactivated"
    MFA_RESET = "mfa_reset"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"  # by an administrator
    SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere"  # by the user, from another of their sessions

    @property
    def label(self) -> str:
        return SESSION_END_LABELS[self]


SESSION_END_LABELS = {
    SessionEnd.SIGNED_OUT: "Signed out",
    SessionEnd.IDLE: "Expired after inactivity",
    SessionEnd.LIFETIME: "Reached the longest session time",
    SessionEnd.PASSWORD_CHANGED: "Password changed in another session",
    SessionEnd.PASSWORD_RESET: "Password reset by an administrator",
    SessionEnd.DEACTIVATED: "Account deactivated",
    SessionEnd.MFA_RESET: "Two-factor sign-in reset by an administrator",
    SessionEnd.SIGNED_OUT_EVERYWHERE: "Signed out everywhere by an administrator",
    SessionEnd.SIGNED_OUT_ELSEWHERE: "Signed out from another session",
}


class UserSession(Model):
    """A signed-in session, kept on the server so that it can be ended there (app/auth/sessions.py).
    The cookie carries a random key; only its SHA-256 is stored, so a copy of this table signs no one in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    user: Mapped[User] = relationship()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Written at most once a minute, to spare the database a write on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the absolute end, whatever the activity
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    # The secret being set up while the user enrols in two-factor sign-in, sealed like the user's.
    pending_totp_secret: Mapped[str | None] = mapped_column(String(255))

    @property
    def end_reason_label(self) -> str:
        return SessionEnd(self.end_reason).label if self.end_reason else ""

    @property
    def browser(self) -> str:
        return describe_browser(self.user_agent)


_BROWSERS = [("Edge", r"Edg(e|A|iOS)?/"), ("Opera", r"OPR/"), ("Firefox", r"Firefox/|FxiOS/"),
             ("Chrome", r"Chrome/|CriOS/"), ("Safari", r"Safari/")]
_SYSTEMS = [("Windows", r"Windows"), ("Android", r"Android"), ("iOS", r"iPhone|iPad"), ("macOS", r"Mac OS X"),
            ("ChromeOS", r"CrOS"), ("Linux", r"Linux")]


def describe_browser(user_agent: str | None) -> str:
    """"Firefox on Windows" from a User-Agent header, for a person to recognise their own devices."""
    text = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, text)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, text)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
