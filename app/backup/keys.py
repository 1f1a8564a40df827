"""The keys Khusela keeps outside the database, which a backup must hold as well.

One list: when a package starts keeping a key of its own (through `app.config.instance_secret`, or
a setting naming a file), add it here and `backup create` and `backup restore` carry it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask


@dataclass(frozen=True)
class KeptKey:
    # Its name in the archive (keys/<name>) and, unless `path_setting` names another place, in instance/.
    name: str
    purpose: str
    # The environment variable that supplies the key itself instead of the file (instance_secret()).
    env: str | None = None
    # The setting that holds the file's path, where the key may be kept outside instance/.
    path_setting: str | None = None

    def path(self, app: Flask) -> Path:
        if self.path_setting:
            return Path(app.config[self.path_setting])
        return Path(app.instance_path) / self.name

    def from_environment(self) -> bool:
        """True when the environment supplies the key, so the file (if any) is not the one in use."""
        return bool(self.env and os.environ.get(self.env))


KEPT_KEYS = (
    KeptKey("secret_key", "signs session cookies and form tokens", env="SECRET_KEY"),
    KeptKey("pack_signing_key.pem", "signs evidence-pack manifests; earlier packs verify only with it",
            path_setting="PACK_SIGNING_KEY"),
    KeptKey("totp_key", "seals the two-factor secrets in the database; without it no one with two-factor "
            "sign-in can sign in", env="KHUSELA_TOTP_KEY"),
    KeptKey("audit_chain_key", "keys the chain of the audit entries written since it was made; without it they "
            "cannot be verified", env="KHUSELA_AUDIT_CHAIN_KEY"),
)


def kept_key(name: str) -> KeptKey | None:
    return next((key for key in KEPT_KEYS if key.name == name), None)
