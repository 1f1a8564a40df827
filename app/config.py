"""Settings read from the environment, with safe defaults for a single-host install."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, got {value!r}.") from None


def instance_secret(instance_path: Path, file_name: str, env_name: str) -> str:
    """A secret from the environment, else one generated once into instance/<file_name> (0600).

    The secret key, and every other key kept outside the database, come from here, so a backup
    knows where to find them (instance/) and an administrator can supply any of them instead."""
    from_env = os.environ.get(env_name)
    if from_env:
        return from_env
    key_file = instance_path / file_name
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two gunicorn workers starting together must not write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _long_key(value: str, env_name: str) -> str:
    """A key supplied by an administrator must be long enough to be guessed by no one."""
    if len(value) < 32:
        raise RuntimeError(f"{env_name} must be at least 32 characters of random text, for example the output of "
                           "python3 -c 'import secrets; print(secrets.token_hex(32))'.")
    return value


def from_environment(instance_path: Path) -> dict:
    default_db = f"sqlite:///{instance_path / 'khusela.db'}"
    return {
        "SECRET_KEY": instance_secret(instance_path, "secret_key", "SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_db,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "KHUSELA_TIMEZONE": os.environ.get("KHUSELA_TIMEZONE", "Africa/Johannesburg"),
        "CLASSIFICATION_LABEL": os.environ.get("KHUSELA_CLASSIFICATION", "RESTRICTED"),
        # The organisation setting's first value: on the cover of every PDF report and in its metadata.
        "ORGANISATION_NAME": os.environ.get("KHUSELA_ORGANISATION", ""),
        "MAX_CONTENT_LENGTH": _int("KHUSELA_MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # Looking inside ZIP-based uploads (app.common.contents): archives within archives, files at every
        # depth, megabytes unpacked, and unpacked bytes per packed byte (of each file and of the upload).
        "ARCHIVE_MAX_DEPTH": _int("KHUSELA_ARCHIVE_MAX_DEPTH", 3),
        "ARCHIVE_MAX_FILES": _int("KHUSELA_ARCHIVE_MAX_FILES", 10_000),
        "ARCHIVE_MAX_UNPACKED_MB": _int("KHUSELA_ARCHIVE_MAX_UNPACKED_MB", 1024),
        "ARCHIVE_MAX_RATIO": _int("KHUSELA_ARCHIVE_MAX_RATIO", 100),
        # Evidence files, named by SHA-256; outside the web root, backed up with the database.
        "EVIDENCE_FOLDER": os.environ.get("KHUSELA_EVIDENCE_FOLDER") or str(instance_path / "evidence"),
        # Evidence packs being built and kept for download (removed after the pack retention setting).
        "PACKS_FOLDER": os.environ.get("KHUSELA_PACKS_FOLDER") or str(instance_path / "packs"),
        # Build packs inside the request instead of a background thread (tests; a single-threaded server).
        "PACKS_INLINE": _bool("KHUSELA_PACKS_INLINE", False),
        # Where `flask backup create` writes its archives unless told otherwise (they hold the keys: 0600).
        "BACKUP_FOLDER": os.environ.get("KHUSELA_BACKUP_FOLDER") or str(instance_path / "backups"),
        # PDF reports prepared by the scheduler process (app.reports.prepared): where they are kept
        # (default: a "documents" folder inside the packs folder), for how many hours, how many one
        # user may have waiting, and how many may wait in all before new requests are turned away.
        # A CSV/XLSX download of at least this many rows is built one at a time over every worker
        # (app.common.export): a second one meanwhile is asked to try again in a minute (503).
        "LARGE_EXPORT_ROWS": _int("KHUSELA_LARGE_EXPORT_ROWS", 1000),
        "DOCUMENTS_FOLDER": os.environ.get("KHUSELA_DOCUMENTS_FOLDER", ""),
        "DOCUMENT_RETENTION_HOURS": _int("KHUSELA_DOCUMENT_RETENTION_HOURS", 24),
        "DOCUMENTS_PENDING_PER_USER": _int("KHUSELA_DOCUMENTS_PER_USER", 3),
        "DOCUMENTS_QUEUE_LIMIT": _int("KHUSELA_DOCUMENTS_QUEUE_LIMIT", 20),
        # The Ed25519 key that signs pack manifests: made on first use; back it up with instance/.
        "PACK_SIGNING_KEY": os.environ.get("KHUSELA_PACK_SIGNING_KEY") or str(instance_path / "pack_signing_key.pem"),
        # Seals the two-factor secrets in the database (app/auth/sealing.py); back it up with instance/.
        "TOTP_KEY": _long_key(instance_secret(instance_path, "totp_key", "KHUSELA_TOTP_KEY"), "KHUSELA_TOTP_KEY"),
        # The HMAC key that chains new audit entries (app.audit.services): outside the database, so
        # that whoever can write to the database cannot forge or re-chain entries. The same value on
        # every server; back it up with the pack-signing key.
        "AUDIT_CHAIN_KEY": instance_secret(instance_path, "audit_chain_key", "KHUSELA_AUDIT_CHAIN_KEY"),
        # The latest signed checkpoint of the audit log, outside the database. Default: beside the
        # pack-signing key that signs it (instance/audit_checkpoint.json).
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "fynbos-protea-demo"),
        # Sessions: the idle timeout, checked on the server's session record (app/auth/sessions.py); the
        # longest a session may last is a setting (Administration -> Settings).
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=_int("KHUSELA_SESSION_IDLE_MINUTES", 30)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("KHUSELA_SECURE_COOKIES", False),
        "SESSION_COOKIE_NAME": "khusela_session",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # Sign-in throttling (app/auth/throttle.py): free failed sign-ins for one account from one
        # address, from one address over all accounts, and for one account from every address new
        # to it; after them each failure doubles the wait before the next attempt, from the first
        # wait up to LOCKOUT_MINUTES.
        "LOCKOUT_THRESHOLD": _int("KHUSELA_LOCKOUT_THRESHOLD", 5),
        "LOCKOUT_ADDRESS_THRESHOLD": _int("KHUSELA_LOCKOUT_ADDRESS_THRESHOLD", 30),
        "LOCKOUT_ACCOUNT_THRESHOLD": _int("KHUSELA_LOCKOUT_ACCOUNT_THRESHOLD", 20),
        "LOCKOUT_FIRST_WAIT_SECONDS": _int("KHUSELA_LOCKOUT_FIRST_WAIT_SECONDS", 15),
        "LOCKOUT_MINUTES": _int("KHUSELA_LOCKOUT_MINUTES", 15),
        # A flood guard in front of the throttle: requests per client address per web worker,
        # answered 429 before any password is checked.
        "LOGIN_RATE_LIMIT": os.environ.get("KHUSELA_LOGIN_RATE_LIMIT", "20 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "khusela@localhost"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),  # seconds to wait for the SMTP server
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 5),  # then a notification's e-mail is marked failed
        # The address users reach Khusela at: the links in e-mails start with it.
        "KHUSELA_BASE_URL": os.environ.get("KHUSELA_BASE_URL", "http://127.0.0.1:5000"),
        # SQLite only: the file whose lock makes one `flask scheduler run` the runner (PostgreSQL
        # uses an advisory lock instead). Default: instance/scheduler.lock.
        "SCHEDULER_LOCK_FILE": os.environ.get("KHUSELA_SCHEDULER_LOCK_FILE", ""),
        # How much lower the scheduler process's CPU priority is than the web workers' (os.nice; 0: the same).
        "SCHEDULER_NICE": _int("KHUSELA_SCHEDULER_NICE", 10),
        "TRUST_PROXY_HEADERS": _bool("KHUSELA_TRUST_PROXY", False),
    }
