"""How a count reads in a sentence: shared by the ISMS evidence page, the objectives' jobs and charts,
and the reminders. Plain values only."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 risk", "3 risks"; `plural` for the irregular ones ("policies")."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
