"""Dates are stored in UTC and shown in the organisation's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["KHUSELA_TIMEZONE"])


def to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone())


def format_local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(moment)
    return local.strftime(pattern) if local else ""


def start_of_local_day(day: date) -> datetime:
    """The UTC instant at which a calendar day begins in the organisation's time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=local_zone()).astimezone(UTC)
