"""Password hashing (argon2) and the password rule."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH = 12
MAX_LENGTH = 256

# RFC 9106's second recommended option (64 MiB, 3 passes), argon2-cffi's default. Tests set
# ARGON2_PROFILE=CHEAPEST so hundreds of sign-ins stay fast; production never should.
_DEFAULT_PROFILE = "RFC_9106_LOW_MEMORY"


def _profile_name() -> str:
    return current_app.config.get("ARGON2_PROFILE", _DEFAULT_PROFILE) if has_app_context() else _DEFAULT_PROFILE


def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, _profile_name()))


_DUMMY_HASHES: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash of no account's password, made with the current parameters: checking a password
    against it costs as long as a real check, so an unknown e-mail address is not answered faster."""
    name = _profile_name()
    if name not in _DUMMY_HASHES:
        _DUMMY_HASHES[name] = _hasher().hash(secrets.token_urlsafe(32))
    return _DUMMY_HASHES[name]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long (it has {len(password)})."
    if len(password) > MAX_LENGTH:
        return f"The password may be at most {MAX_LENGTH} characters long."
    if email and password.strip().lower() == email.strip().lower():
        return "The password may not be the same as the e-mail address."
    if len(set(password)) < 4:
        return "The password repeats too few different characters; choose a passphrase."
    return None
