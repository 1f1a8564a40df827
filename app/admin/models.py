"""Organisation-wide settings an admin changes in the app (not in the environment)."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import Timestamped, Versioned
from app.extensions import Model


class Setting(Model, Timestamped, Versioned):
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
