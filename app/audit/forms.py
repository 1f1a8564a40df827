"""The audit log's one form: the button that checks the whole log now (CSRF only)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class VerifyForm(FlaskForm):
    pass
