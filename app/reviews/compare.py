"""Comparing two review packs section by section: each figure of review A against review B (up,
down, the same), each count table row by row, and each list of items as new in B and no longer
listed. Pure: it reads the two stored figure dicts (app.reviews.inputs.compile) and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FigureChange:
    label: str
    before: Any
    after: Any

    @property
    def delta(self) -> int | float | None:
        if isinstance(self.before, (int, float)) and isinstance(self.after, (int, float)):
            return self.after - self.before
        return None

    @property
    def direction(self) -> str:
        """"up", "down", "same", or "" when one side has no number."""
        delta = self.delta
        if delta is None:
            return "" if self.before != self.after else "same"
        return "up" if delta > 0 else "down" if delta < 0 else "same"


@dataclass(frozen=True)
class TableChange:
    caption: str
    kind: str  # "counts" or "items"
    columns: list[str]
    rows: list[tuple[str, list[Any], list[Any]]] = field(default_factory=list)  # counts: label, A's, B's values
    new: list[list[Any]] = field(default_factory=list)  # items listed in B, not in A
    gone: list[list[Any]] = field(default_factory=list)  # items listed in A, not in B


@dataclass(frozen=True)
class SectionChange:
    key: str
    item: str
    title: str
    available: tuple[bool, bool]
    figures: list[FigureChange]
    tables: list[TableChange]


def _by_key(entries: list[dict]) -> dict[str, dict]:
    return {entry["key"]: entry for entry in entries}


def _table_change(a: dict | None, b: dict | None) -> TableChange:
    first = b or a or {}
    kind, columns = first.get("kind", "counts"), first.get("columns", [])
    rows_a = {str(row[0]): row for row in (a or {}).get("rows", [])}
    rows_b = {str(row[0]): row for row in (b or {}).get("rows", [])}
    if kind == "items":
        return TableChange(first.get("caption", ""), kind, columns,
                           new=[row for label, row in rows_b.items() if label not in rows_a],
                           gone=[row for label, row in rows_a.items() if label not in rows_b])
    labels = list(dict.fromkeys([*rows_a, *rows_b]))
    return TableChange(first.get("caption", ""), kind, columns,
                       rows=[(label, list(rows_a.get(label, [label])[1:]), list(rows_b.get(label, [label])[1:]))
                             for label in labels])


def compare(a: dict, b: dict) -> list[SectionChange]:
    """Sections in B's order, then any only A has (a pack of another schema version)."""
    sections_a, sections_b = _by_key(a.get("sections", [])), _by_key(b.get("sections", []))
    changes = []
    for key in dict.fromkeys([*sections_b, *sections_a]):
        one, other = sections_a.get(key, {}), sections_b.get(key, {})
        figures_a, figures_b = _by_key(one.get("figures", [])), _by_key(other.get("figures", []))
        figures = [FigureChange((figures_b.get(name) or figures_a[name])["label"],
                                figures_a.get(name, {}).get("value"), figures_b.get(name, {}).get("value"))
                   for name in dict.fromkeys([*figures_b, *figures_a])]
        tables_a, tables_b = _by_key(one.get("tables", [])), _by_key(other.get("tables", []))
        tables = [_table_change(tables_a.get(name), tables_b.get(name))
                  for name in dict.fromkeys([*tables_b, *tables_a])]
        source = other or one
        changes.append(SectionChange(key, source.get("item", ""), source.get("title", key),
                                     (bool(one.get("available")), bool(other.get("available"))), figures, tables))
    return changes
