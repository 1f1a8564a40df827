"""Server-side paging, sorting and filtering for list pages, with export of what is shown.

A list view builds its filtered SELECT, then hands it to `Listing.from_request` together with
the columns users may sort by. The template gets one object that knows the page, the totals
and the links for paging, sorting and exporting with the current filters kept.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import request, url_for
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import ColumnElement, Select

from app.extensions import db

PER_PAGE_CHOICES = (10, 25, 50, 100, 200)
DEFAULT_PER_PAGE = 25
# An export holds every matching row, not just the page; cap it so one click cannot exhaust memory.
EXPORT_ROW_LIMIT = 100_000


# A column to filter or sort on: an expression, or a mapped attribute such as `Risk.title`.
SqlColumn: TypeAlias = ColumnElement[Any] | QueryableAttribute[Any]
# A sort key's column, or a fixed order over several columns (each with its own direction).
SortColumn: TypeAlias = SqlColumn | tuple[ColumnElement[Any], ...]

_LARGEST_ID = 2**31 - 1  # the largest id the <int:> converter and the databases accept


def id_arg(args: Mapping[str, str], name: str) -> int | None:
    """A record id from the query string, or None when absent or not an id."""
    text = (args.get(name) or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= _LARGEST_ID else None


def choice_arg(args: Mapping[str, str], name: str, allowed) -> str:
    """A filter value from the query string if it is one of `allowed`, else "" (no filter)."""
    value = args.get(name, "")
    return value if value in allowed else ""


def contains_text(column: SqlColumn, needle: str) -> ColumnElement[bool]:
    """A case-insensitive substring match. SQLite's LIKE already ignores the case of ASCII letters
    (its lower() does no more), so it gets a plain LIKE: a lower() call per row made a search of
    100,000 items several times slower. PostgreSQL gets ILIKE."""
    if db.session.get_bind().dialect.name == "sqlite":
        return column.contains(needle, autoescape=True)
    return column.icontains(needle, autoescape=True)


def _allowed(value: str | None, allowed: Collection[str], default: str) -> str:
    return value if value is not None and value in allowed else default


def _positive_int(text: str | None, default: int) -> int:
    try:
        value = int(text or "")
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass
class Listing:
    endpoint: str
    args: dict[str, str]
    page: int
    per_page: int
    sort: str
    direction: str
    total: int
    items: list[Any]
    view_args: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_request(
        cls,
        statement: Select,
        *,
        sort_columns: Mapping[str, SortColumn],
        default_sort: str,
        default_direction: str = "asc",
        tiebreaker: SqlColumn | None = None,
        scalars: bool = True,
    ) -> Listing:
        args = {key: value for key, value in request.args.items() if value != ""}
        sort = _allowed(args.get("sort"), sort_columns, default_sort)
        direction = _allowed(args.get("dir"), ("asc", "desc"), default_direction)
        per_page = _positive_int(args.get("per_page"), DEFAULT_PER_PAGE)
        per_page = per_page if per_page in PER_PAGE_CHOICES else DEFAULT_PER_PAGE
        ordered = _ordered(statement, sort_columns[sort], direction, tiebreaker)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())) or 0
        pages = max(1, -(-total // per_page))
        page = min(_positive_int(args.get("page"), 1), pages)
        paged = ordered.limit(per_page).offset((page - 1) * per_page)
        result = db.session.execute(paged)
        items = list(result.scalars() if scalars else result.all())
        if request.endpoint is None:
            raise RuntimeError("Listing.from_request needs a request that matched a route.")
        return cls(
            endpoint=request.endpoint, args=args, page=page, per_page=per_page, sort=sort,
            direction=direction, total=total, items=items, view_args=dict(request.view_args or {}),
        )

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """Page links with gaps: 1 … 4 5 [6] 7 8 … 20 (None marks a gap).

        A gap of a single page shows that page instead: "…" would take its place and hide it.
        """
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if numbers and number - numbers[-1] == 2:
                numbers.append(number - 1)
            elif numbers and number - numbers[-1] > 2:
                numbers.append(None)
            numbers.append(number)
        return numbers

    def _url(self, **changes) -> str:
        args = {**self.args, **changes}
        args = {key: value for key, value in args.items() if value not in (None, "")}
        # The query string is added here, not by url_for: a request parameter named like one of
        # url_for's own (endpoint, _external, _scheme, _anchor, _method) must not change the link.
        base = url_for(self.endpoint, **self.view_args)
        return f"{base}?{urlencode(args)}" if args else base

    def url_for_page(self, page: int) -> str:
        return self._url(page=page)

    def url_for_sort(self, key: str) -> str:
        direction = "desc" if key == self.sort and self.direction == "asc" else "asc"
        return self._url(sort=key, dir=direction, page=None)

    def url_for_export(self, fmt: str) -> str:
        return self._url(export=fmt, page=None)


def _ordered(statement: Select, column: SortColumn, direction: str, tiebreaker: SqlColumn | None) -> Select:
    # Empty values last in both directions, and the same on SQLite and PostgreSQL (whose defaults differ).
    if isinstance(column, tuple):  # a fixed order over several columns, each with its own direction
        statement = statement.order_by(None).order_by(*(part.nulls_last() for part in column))
    else:
        statement = statement.order_by(None).order_by((column.asc() if direction == "asc" else column.desc())
                                                      .nulls_last())
    if tiebreaker is not None:
        statement = statement.order_by(tiebreaker.asc() if direction == "asc" else tiebreaker.desc())
    return statement


def all_matching(
    statement: Select,
    *,
    sort_columns: Mapping[str, SortColumn],
    default_sort: str,
    default_direction: str = "asc",
    tiebreaker: SqlColumn | None = None,
    scalars: bool = True,
) -> list[Any]:
    """Every row the list page's filters and sort select (for export), up to EXPORT_ROW_LIMIT."""
    sort = _allowed(request.args.get("sort"), sort_columns, default_sort)
    direction = _allowed(request.args.get("dir"), ("asc", "desc"), default_direction)
    ordered = _ordered(statement, sort_columns[sort], direction, tiebreaker).limit(EXPORT_ROW_LIMIT)
    result = db.session.execute(ordered)
    return list(result.scalars() if scalars else result.all())


def requested_export() -> str | None:
    fmt = request.args.get("export")
    return fmt if fmt in ("csv", "xlsx") else None
