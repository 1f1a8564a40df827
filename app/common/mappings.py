"""Column mappings remembered per source: how a register reads the files of one tool (a GLPI
export, OCS Inventory's computer list, the spreadsheet an officer keeps).

A mapping is found again by the register and the file's header signature (its headers, whatever
their order or case), so the next export of the same shape goes straight to the preview. The
person names the source ("GLPI export") so that the preview and the audit log say which mapping
was used. Saving one is a write like any other: it is audited, and the import page commits it.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.models import Timestamped
from app.common.tabular import ColumnMapping, FileSample, key_of, normalised_header
from app.extensions import Model, db

# The most unknown words of one column the mapping page lists; more means the column is not the
# one meant (a serial number mapped to the status), or the file needs cleaning first.
MOST_WORDS_LISTED = 60


class ImportMapping(Model, Timestamped):
    """How one register reads the files of one source."""

    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("register", "signature", name="uq_import_mapping_register_signature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    register: Mapped[str] = mapped_column(String(60))  # "assets", "assets.products", "risks"...
    signature: Mapped[str] = mapped_column(String(64))  # SHA-256 of FileSample.signature
    source_name: Mapped[str] = mapped_column(String(120))
    headers: Mapped[list[str]] = mapped_column(JSON, default=list)  # the file's headers, as it wrote them
    columns: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    values: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    date_orders: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    def as_mapping(self) -> ColumnMapping:
        return ColumnMapping(columns=dict(self.columns), values=dict(self.values), date_orders=dict(self.date_orders))


def signature_of(sample: FileSample) -> str:
    return hashlib.sha256(sample.signature.encode("utf-8")).hexdigest()


def saved_for(register: str, sample: FileSample) -> ImportMapping | None:
    return db.session.scalar(sa.select(ImportMapping).where(ImportMapping.register == register,
                                                            ImportMapping.signature == signature_of(sample)))


def for_source(register: str, source_name: str, sample: FileSample) -> ImportMapping | None:
    """The mapping saved under the source name (any case), for the command line's --mapping: the
    one for files of this shape when several have the name, else the one changed last."""
    named = [saved for saved in db.session.scalars(sa.select(ImportMapping).where(
        ImportMapping.register == register).order_by(ImportMapping.updated_at.desc(), ImportMapping.id.desc()))
        if key_of(saved.source_name) == key_of(source_name)]
    signature = signature_of(sample)
    return next((saved for saved in named if saved.signature == signature), named[0] if named else None)


def fitting(register: str, sample: FileSample) -> list[ImportMapping]:
    """The register's saved mappings that can read the file: every column they read is one of its
    headers (the mapping of files of this shape first)."""
    headers = {normalised_header(header) for header in sample.headers}
    signature = signature_of(sample)
    saved = db.session.scalars(sa.select(ImportMapping).where(ImportMapping.register == register)
                               .order_by(ImportMapping.source_name))
    fit = [each for each in saved if each.columns
           and all(normalised_header(source) in headers for source in each.columns.values())]
    return sorted(fit, key=lambda each: each.signature != signature)


def remember(register: str, sample: FileSample, source_name: str, mapping: ColumnMapping, actor: User
             ) -> ImportMapping:
    """Save the mapping for files of this shape (replacing the one saved before) and audit it; the
    caller commits."""
    saved = saved_for(register, sample)
    before = _audit_values(saved) if saved is not None else {}
    if saved is None:
        saved = ImportMapping(register=register, signature=signature_of(sample))
        db.session.add(saved)
    saved.source_name = source_name.strip()[:120]
    saved.headers = list(sample.headers)
    saved.columns, saved.values, saved.date_orders = mapping.columns, mapping.values, mapping.date_orders
    db.session.flush()
    after = _audit_values(saved)
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    if changes:
        audit.record(AuditAction.UPDATE if before else AuditAction.CREATE, "import_mapping", saved.id,
                     changes=changes, actor=actor,
                     summary=f"{'Changed' if before else 'Saved'} the {register} import mapping “{saved.source_name}”"
                             [:300])
    return saved


def _audit_values(saved: ImportMapping) -> dict:
    return {"source_name": saved.source_name, "columns": dict(saved.columns), "values": dict(saved.values),
            "date_orders": dict(saved.date_orders)}


# --- what the mapping page proposes --------------------------------------------------------------


class HasHeaders(Protocol):
    @property
    def header(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


def suggested_columns(sample: FileSample, columns: Sequence[HasHeaders]) -> dict[str, str]:
    """For each importer column, the file's column with its header or an alias of it, else one whose
    header is close to them ("Serial No." for "Serial"), else none."""
    by_name = {normalised_header(header): header for header in reversed(sample.headers)}
    found: dict[str, str] = {}
    for column in columns:
        names = [normalised_header(name) for name in (column.header, *column.aliases)]
        exact = next((by_name[name] for name in names if name in by_name), None)
        close = difflib.get_close_matches(names[0], list(by_name), n=1, cutoff=0.8)
        if exact or close:
            found[column.header] = exact or by_name[close[0]]
    return found


@dataclass(frozen=True)
class UnknownWord:
    word: str  # as the file writes it (its first spelling)
    rows: int  # how many rows have it


def unknown_words(sample: FileSample, source: str, known: dict[str, str]) -> list[UnknownWord]:
    """The distinct words of the file's column `source` that are not in `known` (key_of(word) ->
    Khusela's word), in the order the file first uses them."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for value in sample.values_of(source):
        word = key_of(value)
        if not word or word in known or word.removesuffix("s") in known:
            continue
        first.setdefault(word, value)
        counts[word] = counts.get(word, 0) + 1
    return [UnknownWord(first[word], counts[word]) for word in first][:MOST_WORDS_LISTED]
