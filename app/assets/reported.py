"""The applications portfolio as an organisation reported it (the table in its board pack), beside
what Khusela counts from the CMDB.

A reported year holds the cells its table prints: per disposition a count and a share, per group a
share, the blank (undecided) count and share, and the net result as printed ("+13"). A cell the
table leaves empty is absent, and stays empty on every page. Each printed figure is compared with
the figure the CMDB's counts give (app.assets.summaries.PortfolioYear), and where they differ both
are shown, so an auditor sees what was reported and what the records say.

Plain functions: no Flask, no database."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.assets.models import DISPOSITION_GROUPS, Disposition, DispositionGroup

if TYPE_CHECKING:
    from app.assets.summaries import PortfolioYear

COUNT, SHARE, NET = "count", "share", "net"
MAX_COUNT = 1_000_000  # far above any organisation's applications: a typing slip, not a count
NET_TEXT = re.compile(r"[+\-−]?\d{1,7}")  # "+13", "-4", "−4" (a typographic minus), "0"


@dataclass(frozen=True)
class Cell:
    key: str  # in ReportedPortfolioYear.cells, and the form field's name
    label: str  # "Maintain count"
    kind: str  # COUNT, SHARE or NET


def count_key(disposition: Disposition) -> str:
    return f"{disposition.value}_count"


def share_key(disposition: Disposition) -> str:
    return f"{disposition.value}_share"


def group_key(group: DispositionGroup) -> str:
    return f"group_{group.name.lower()}_share"


BLANK_COUNT, BLANK_SHARE, NET_RESULT = "blank_count", "blank_share", "net_result"


def _cells() -> tuple[Cell, ...]:
    """In the order of the table: each group's dispositions, then its share; the blank; the net result."""
    cells: list[Cell] = []
    for group, members in DISPOSITION_GROUPS.items():
        for disposition in members:
            cells += [Cell(count_key(disposition), f"{disposition.label} count", COUNT),
                      Cell(share_key(disposition), f"{disposition.label} share", SHARE)]
        cells.append(Cell(group_key(group), f"{group.value} share", SHARE))
    return (*cells, Cell(BLANK_COUNT, "Blank count", COUNT), Cell(BLANK_SHARE, "Blank share", SHARE),
            Cell(NET_RESULT, "Net result", NET))


CELLS = _cells()
CELLS_BY_KEY = {cell.key: cell for cell in CELLS}

Cells = dict[str, int | str]  # key -> a whole number (a count or a share in per cent), or the net result's text


def read_cells(texts: Mapping[str, str | None]) -> tuple[Cells, list[tuple[str, str]]]:
    """The cells typed into the form (key -> text as printed; empty for a cell the table leaves
    empty), and a (key, message) for each one that is not a figure of its kind."""
    cells: Cells = {}
    problems: list[tuple[str, str]] = []
    for cell in CELLS:
        text = (texts.get(cell.key) or "").strip()
        if not text:
            continue
        value, problem = _read(cell, text)
        if problem:
            problems.append((cell.key, problem))
        else:
            cells[cell.key] = value
    return cells, problems


def _read(cell: Cell, text: str) -> tuple[int | str, str]:
    if cell.kind == NET:
        if not NET_TEXT.fullmatch(text):
            return "", f"“{text}” is not a net result: give it as printed, a whole number like +13, -4 or 0."
        return text, ""
    number_text = text.removesuffix("%").strip() if cell.kind == SHARE else text.replace(",", "").replace(" ", "")
    if not re.fullmatch(r"[+\-−]?\d+(\.\d+)?", number_text):
        return "", f"“{text}” is not a number: give the {cell.label} as printed, like " \
                   f"{'22 for 22 %' if cell.kind == SHARE else '98'}, or leave it empty if the table does."
    number = float(number_text.replace("−", "-"))
    if number < 0:
        return "", f"The {cell.label} cannot be negative."
    if number != int(number):
        return "", f"Give the {cell.label} as a whole {'per cent' if cell.kind == SHARE else 'number'}."
    if cell.kind == SHARE and number > 100:
        return "", f"A share is at most 100 %: {text} is more than all the applications."
    if number > MAX_COUNT:
        return "", f"The {cell.label} is more than {MAX_COUNT:,}: check the figure."
    return int(number), ""


def invalid_cells(cells: Mapping) -> list[str]:
    """What is wrong with a stored cell map (unknown cells, figures out of range): the model refuses
    to store it, whoever writes it."""
    wrong = []
    for key, value in cells.items():
        cell = CELLS_BY_KEY.get(key)
        if cell is None:
            wrong.append(f"{key!r} is not a cell of the portfolio table")
        elif cell.kind == NET:
            if not (isinstance(value, str) and NET_TEXT.fullmatch(value)):
                wrong.append(f"{key}: {value!r} is not a net result")
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= (
                100 if cell.kind == SHARE else MAX_COUNT):
            wrong.append(f"{key}: {value!r} is not a {cell.kind}")
    return wrong


def net_value(text: str) -> int:
    return int(text.replace("−", "-"))


# --- beside the CMDB's counts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One cell of the page: the figure shown (as reported, or the CMDB's where no table was reported
    for the year; "" for a cell the table leaves empty) and, where the reported figure is not what
    the CMDB's counts give, the CMDB's figure and a sentence that says so."""

    text: str
    counted: str | None = None
    note: str = ""

    @property
    def differs(self) -> bool:
        return self.counted is not None


def _percent(number: int) -> str:
    return f"{number}%"


def _net(number: int) -> str:
    return f"{number:+d}" if number else "0"


class PortfolioColumn:
    """A year of the portfolio page: the CMDB's counts, and the table reported for the year, if any."""

    def __init__(self, counted: PortfolioYear, reported: Cells | None = None):
        self.counted = counted
        self.reported = reported

    @property
    def year(self) -> int:
        return self.counted.year

    @property
    def is_reported(self) -> bool:
        return self.reported is not None

    def count(self, disposition: Disposition) -> Figure:
        counted = self.counted.count(disposition)
        return self._figure(count_key(disposition), counted, str(counted),
                            lambda reported: f"reported {reported}; the CMDB counts {counted}.")

    def share(self, disposition: Disposition) -> Figure:
        count = self.counted.count(disposition)
        share = self.counted.share(count)
        return self._figure(share_key(disposition), share, _percent(share), lambda reported: (
            f"reported {reported}%; the CMDB's {count} of {self.counted.applications} give {share}%."))

    def group_count(self, group: DispositionGroup) -> Figure:
        """A reported table has no group counts (the deck prints none): empty for a reported year."""
        return Figure("") if self.is_reported else Figure(str(self.counted.group_count(group)))

    def group_share(self, group: DispositionGroup) -> Figure:
        share = self.counted.group_share(group)
        parts = [f"{member.label} {self.counted.share(self.counted.count(member))}%"
                 for member in DISPOSITION_GROUPS[group]]
        added = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return self._figure(group_key(group), share, _percent(share), lambda reported: (
            f"reported {reported}%; the CMDB's {added} add up to {share}%." if len(parts) > 1
            else f"reported {reported}%; the CMDB's {self.counted.count(DISPOSITION_GROUPS[group][0])} of "
                 f"{self.counted.applications} give {share}%."))

    def blank_count(self) -> Figure:
        blank = self.counted.blank
        return self._figure(BLANK_COUNT, blank, str(blank), lambda reported: (
            f"reported {reported}; the CMDB has {blank} of its {self.counted.applications} applications undecided."))

    def blank_share(self) -> Figure:
        blank, share = self.counted.blank, self.counted.share(self.counted.blank)
        return self._figure(BLANK_SHARE, share, _percent(share), lambda reported: (
            f"reported {reported}%; the CMDB's {blank} undecided of {self.counted.applications} give {share}%."))

    def net(self) -> Figure:
        added = self.counted.group_count(DispositionGroup.ADD)
        reduced = self.counted.group_count(DispositionGroup.REDUCE)
        net = self.counted.net
        if not self.is_reported:
            return Figure(_net(net))
        reported = self.reported.get(NET_RESULT) if self.reported else None
        if reported is None:
            return Figure("")
        if net_value(str(reported)) == net:
            return Figure(str(reported))
        return Figure(str(reported), _net(net), f"{self.year} Net result: reported {reported}; the CMDB's "
                                                 f"{added} added less {reduced} reduced give {_net(net)}.")

    def _figure(self, key: str, counted: int, counted_text: str, sentence) -> Figure:
        if self.reported is None:
            return Figure(counted_text)
        reported = self.reported.get(key)
        if reported is None:
            return Figure("")
        text = _percent(int(reported)) if CELLS_BY_KEY[key].kind == SHARE else str(reported)
        if reported == counted:
            return Figure(text)
        return Figure(text, counted_text, f"{self.year} {CELLS_BY_KEY[key].label}: {sentence(reported)}")

    def differences(self) -> list[Figure]:
        """The reported figures the CMDB's counts do not give, in the table's order."""
        if not self.is_reported:
            return []
        figures = []
        for group, members in DISPOSITION_GROUPS.items():
            for disposition in members:
                figures += [self.count(disposition), self.share(disposition)]
            figures.append(self.group_share(group))
        figures += [self.blank_count(), self.blank_share(), self.net()]
        return [figure for figure in figures if figure.differs]
