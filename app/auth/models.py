"""Accounts and the departments they belong to."""

from __future__ import annotations

import enum
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
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The 30-second step of the last code accepted: a code is good once only.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Part of the login cookie: rotating it signs the user out everywhere (password change,
    # deactivation, reset by an admin).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    # Sign-in bookkeeping: changing these must not make an administrator's open edit form stale.
    unversioned_fields = Versioned.unversioned_fields | {
        "last_login_at", "password_hash", "password_changed_at",
        "must_change_password", "session_token", "totp_secret", "mfa_enabled", "totp_last_step",
    }

    def get_id(self) -> str:
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
