"""The mapping page of an import (app.common.imports): which of the file's columns feeds each of
the register's, what its unknown words mean, and how its dates are written.

What the page lists follows the file and the columns chosen: the words of a column of fixed
values (a status, a type, a site) that Khusela does not know, and the date columns whose values
could be read either way. So the form class is made for each page (mapping_form), and the page
says for which column choices it listed them (columns_seen): changing a column lists its words
again before anything is checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from app.common.mappings import UnknownWord, unknown_words
from app.common.tabular import DATE_ORDERS, ColumnMapping, DateReading, FileSample, date_order, key_of

NO_COLUMN = "— Not in this file —"
LEAVE_AS_IT_IS = "— Leave as it is —"


class MappingStartForm(FlaskForm):
    """What every post of the mapping page carries: the staged file, and the column choices the
    words and dates on the page were listed for (empty when the page is opened, not submitted)."""

    token = HiddenField()
    columns_seen = HiddenField()


def mapping_form(column_headers: list[str], file_headers: list[tuple[str, str]],
                 word_fields: list[tuple[str, list[str]]], date_fields: list[str]) -> type[FlaskForm]:
    """A form class with a select per register column (column_0...), per unknown word (word_0...,
    labelled with the word) and per date column (dates_0...). `file_headers` are (header, label
    with its first values); `word_fields` (word, Khusela's values)."""

    class MappingForm(MappingStartForm):
        source_name = StringField("Name of the source", validators=[Optional(), Length(max=120)],
                                  description="For example “GLPI export” or “Asset list (Excel)”: the next file "
                                              "with the same columns is read the same way.")
        check = SubmitField("Check the import")
        refresh = SubmitField("List the values of these columns")

    column_choices = {"": NO_COLUMN, **dict(file_headers)}
    for index, header in enumerate(column_headers):
        setattr(MappingForm, f"column_{index}", SelectField(header, choices=column_choices, default=""))
    for index, (word, meanings) in enumerate(word_fields):
        choices = {"": LEAVE_AS_IT_IS, **{meaning: meaning for meaning in meanings}}
        setattr(MappingForm, f"word_{index}", SelectField(word, choices=choices, default=""))
    for index, header in enumerate(date_fields):
        setattr(MappingForm, f"dates_{index}", SelectField(f"Dates in “{header}”", choices=dict(DATE_ORDERS)))
    return MappingForm


class Mappable(Protocol):
    """What the page needs of an importer column (app.common.imports.ImportColumn)."""

    @property
    def header(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def meaning(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def date(self) -> bool: ...
    @property
    def choices(self) -> Callable[[], Mapping[str, str]] | None: ...


@dataclass
class WordSection:
    header: str  # the register's column
    source: str  # the file's column that feeds it
    words: list[UnknownWord]
    meanings: list[str]  # Khusela's values to choose from
    first_field: int  # the index of its first word_ field

    def fields(self, form: FlaskForm) -> list[tuple[UnknownWord, Any]]:
        return [(word, form[f"word_{self.first_field + index}"]) for index, word in enumerate(self.words)]


@dataclass
class DateRow:
    header: str
    source: str
    reading: DateReading
    field_index: int


@dataclass
class MappingPage:
    columns: Sequence[Mappable]
    sample: FileSample
    chosen: dict[str, str]  # the column choices its words and dates are listed for
    sections: list[WordSection] = field(default_factory=list)
    dates: list[DateRow] = field(default_factory=list)

    @classmethod
    def build(cls, columns: Sequence[Mappable], sample: FileSample, chosen: dict[str, str]) -> MappingPage:
        chosen = {header: source for header, source in chosen.items() if source in sample.headers}
        page = cls(columns, sample, chosen)
        count = 0
        for column in columns:
            source = chosen.get(column.header)
            if source and column.choices is not None:
                known = {key_of(word): meant for word, meant in column.choices().items()}
                words = unknown_words(sample, source, known)
                if words:
                    meanings = list(dict.fromkeys(known.values()))
                    page.sections.append(WordSection(column.header, source, words, meanings, count))
                    count += len(words)
            if source and column.date:
                reading = date_order(sample.values_of(source))
                if reading.order is not None:
                    page.dates.append(DateRow(column.header, source, reading, len(page.dates)))
        return page

    def form_class(self) -> type[FlaskForm]:
        labels = [(header, _labelled(header, self.sample.first_values(header))) for header in self.sample.headers]
        words = [(word.word, section.meanings) for section in self.sections for word in section.words]
        return mapping_form([column.header for column in self.columns], labels, words,
                            [row.header for row in self.dates])

    def blank_form(self, token: str, mapping: ColumnMapping, source_name: str) -> FlaskForm:
        """The form as the page opens: the choices of `mapping`, the rest unchosen."""
        data: dict[str, Any] = {"token": token, "columns_seen": json.dumps(self.chosen, sort_keys=True),
                                "source_name": source_name}
        for index, column in enumerate(self.columns):
            data[f"column_{index}"] = self.chosen.get(column.header, "")
        for section in self.sections:
            meant = {key_of(word): value for word, value in mapping.values.get(section.header, {}).items()}
            for index, word in enumerate(section.words):
                choice = meant.get(key_of(word.word), "")
                data[f"word_{section.first_field + index}"] = choice if choice in section.meanings else ""
        for row in self.dates:
            chosen_order = mapping.date_orders.get(row.header)
            data[f"dates_{row.field_index}"] = chosen_order if row.reading.ambiguous and chosen_order in DATE_ORDERS \
                else row.reading.order
        return self.form_class()(formdata=None, data=data)

    def columns_chosen(self, form: FlaskForm) -> dict[str, str]:
        return {column.header: form[f"column_{index}"].data for index, column in enumerate(self.columns)
                if form[f"column_{index}"].data}

    def mapping(self, form: FlaskForm) -> ColumnMapping:
        values: dict[str, dict[str, str]] = {}
        for section in self.sections:
            meant = {word.word: field.data for word, field in section.fields(form) if field.data}
            if meant:
                values[section.header] = meant
        dates = {row.header: form[f"dates_{row.field_index}"].data for row in self.dates}
        return ColumnMapping(columns=self.columns_chosen(form), values=values, date_orders=dates)


def seen_columns(text: str | None) -> dict[str, str] | None:
    """The page's columns_seen, or None when the page was opened rather than submitted (or the
    field was tampered with)."""
    try:
        seen = json.loads(text or "null")
    except ValueError:
        return None
    if not isinstance(seen, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in seen.items()):
        return None
    return seen


def _labelled(header: str, first_values: list[str]) -> str:
    """A file column as the select shows it: its header and, as a hint, its first values."""
    if not first_values:
        return f"{header} (empty)"
    hint = ", ".join(f"“{value[:30]}”" for value in first_values)
    return f"{header} — e.g. {hint}"
