"""The organisation's Ed25519 key: it signs evidence-pack manifests and the audit log's checkpoints
(app.audit.checkpoints), so it lives here, in the foundation both use.

The private key is made once, on first use, into instance/pack_signing_key.pem (mode 0600; or the
path in KHUSELA_PACK_SIGNING_KEY), next to the secret key and outside git: back it up with instance/.
Anyone holding the public key (shown on the evidence-pack page) can check a pack offline, with
Khusela's `packs verify` or with OpenSSL."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app


def _key_path() -> Path:
    return Path(current_app.config["PACK_SIGNING_KEY"])


def private_key() -> Ed25519PrivateKey:
    path = _key_path()
    if not path.exists():
        _create(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"PACK_SIGNING_KEY {path} holds a {type(key).__name__}; packs are signed with an Ed25519 key.")
    return key


def _create(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two workers making the key at once must not end with two keys (and packs signed by the loser).
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> bytes:
    return (key or public_key()).public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw public key, in groups of four hex digits: to read out over the phone."""
    raw = (key or public_key()).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A public key from PEM; ValueError with a readable message when it is not an Ed25519 one."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise ValueError("The public key file is not a PEM public key.") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("The public key is not an Ed25519 key.")
    return key


def sign(data: bytes) -> bytes:
    return private_key().sign(data)


def signature_valid(data: bytes, signature: bytes, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
