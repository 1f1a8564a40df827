"""Two-factor secrets sealed at rest: AES-256-GCM under a key kept outside the database.

A copy of the database (a backup, a dump handed to a contractor) then holds no secret that makes
valid codes. The key comes from KHUSELA_TOTP_KEY, else instance/totp_key (made on first start;
app.config.instance_secret), and is backed up with instance/. Each sealed value names what it
belongs to (`context`, the associated data): a secret copied to another account's row does not open.

Stored form: "v1:" + base64url(12-byte nonce + ciphertext and tag). Base32 secrets never contain
":", so a value still in plain text (before the migration that seals them) is told apart.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

VERSION = "v1:"
NONCE_BYTES = 12

KEY_MISMATCH = (
    "The two-factor secrets in the database cannot be read with this server's two-factor key "
    "(KHUSELA_TOTP_KEY, or else the file instance/totp_key). The key was changed or lost: for example "
    "the database was restored or moved without the instance/ folder it was backed up with. Put back the "
    "key used before (restore instance/totp_key from the same backup, or set KHUSELA_TOTP_KEY to it), or "
    "reset the two-factor sign-in of the accounts concerned so that they enrol again."
)


class KeyMismatch(Exception):
    """A sealed value does not open with the current key (or was altered)."""

    def __init__(self) -> None:
        super().__init__(KEY_MISMATCH)


def _cipher(key_material: str | None) -> AESGCM:
    material = key_material if key_material is not None else current_app.config["TOTP_KEY"]
    # HKDF turns any key material (the generated file holds 64 hex digits; an administrator may
    # supply another long random string) into exactly the 256 bits AES needs.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"khusela totp secrets").derive(
        material.encode())
    return AESGCM(key)


def is_sealed(stored: str) -> bool:
    return stored.startswith(VERSION)


def seal(secret: str, context: str, *, key_material: str | None = None) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key_material).encrypt(nonce, secret.encode(), context.encode())
    return VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(stored: str, context: str, *, key_material: str | None = None) -> str:
    """The secret; KeyMismatch when the key (or the context) is not the one it was sealed with."""
    if not is_sealed(stored):
        raise KeyMismatch()
    try:
        raw = base64.urlsafe_b64decode(stored[len(VERSION):].encode("ascii"))
        plain = _cipher(key_material).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError):
        raise KeyMismatch() from None
    return plain.decode()


def user_context(user_id: int) -> str:
    return f"user:{user_id}:totp_secret"


def pending_context(session_id: int) -> str:
    return f"user_session:{session_id}:pending_totp_secret"
