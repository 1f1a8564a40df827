"""Password hashing (argon2) and the password rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


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
