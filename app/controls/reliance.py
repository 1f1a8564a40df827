"""Which open risks rely on each Annex A control: those linked to it, and those linked to an
internal control in use that implements it (the rule of queries.implementing_controls()).

Working it out means reading every link of the register (~15,000 for 10,000 risks), too slow for
every view of the Statement of Applicability. So the summary (how many, the first few by
reference) is kept in `control_reliance` and refreshed in the transaction that changes what it
depends on: a risk created, deleted, closed or reopened or its reference changed, a risk's
controls, a control's mappings, a control retired or reinstated. Changes through the ORM and
statements run on the session are both noticed; `flask --app wsgi controls refresh-reliance`
rebuilds the summary after anything written to the database behind the app's back.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, scoped_session

from app.common import transactions
from app.controls.models import Control, ControlReliance, ControlSource, control_mapping, risk_control
from app.risks.models import Risk, RiskStatus

# A session, or the request's scoped session (db.session), which passes every call on to one.
AnySession: TypeAlias = Session | scoped_session[Any]

KEPT = 20  # risks named per control: enough for the SoA table (5) and a row's edit page (20)

# What the summary is derived from: these tables, and these attributes of risks and controls.
SOURCE_TABLES = frozenset({"risk", "risk_control", "control", "control_mapping"})
SOURCE_ATTRIBUTES = {Risk: ("status", "reference", "controls"),
                     Control: ("source", "active", "annex_a_controls", "implemented_by", "risks")}
STALE = "khusela.control_reliance_stale"  # session.info key: this transaction changed a source


@dataclass(frozen=True)
class Linked:
    """A control or risk named on a row: enough to show and link it, without loading the whole record."""

    id: int
    reference: str
    title: str

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


def implemented_by(session: AnySession, annex_ids: list[int]) -> dict[int, list[Linked]]:
    """Annex A control id -> the internal controls in use implementing it, in catalogue order."""
    statement = (sa.select(control_mapping.c.annex_a_control_id, Control.id, Control.reference, Control.title)
                 .join(Control, Control.id == control_mapping.c.internal_control_id)
                 .where(Control.active.is_(True),
                        control_mapping.c.annex_a_control_id.in_(sa.bindparam("annex_ids", expanding=True)))
                 .order_by(Control.catalogue, Control.sort_key))
    result: dict[int, list[Linked]] = {annex_id: [] for annex_id in annex_ids}
    for annex_id, *linked in session.execute(statement, {"annex_ids": annex_ids}):
        result[annex_id].append(Linked(*linked))
    return result


def counts_for(implemented_by: dict[int, list[Linked]]) -> dict[int, list[int]]:
    """Control id -> the Annex A controls (of those asked about) its risks, tests and evidence count
    for: an Annex A control counts for itself, an internal control in use for those it implements.
    The rule of queries.implementing_controls(), applied in Python because SQLite needs about 40 ms
    to de-duplicate the ~20,000 (Annex A control, risk) pairs of a 10,000-risk register and Python
    about 10 (benchmarks/README.md)."""
    result: dict[int, list[int]] = {annex_id: [annex_id] for annex_id in implemented_by}
    for annex_id, internal in implemented_by.items():
        for other in internal:
            result.setdefault(other.id, []).append(annex_id)
    return result


def open_risk_links():
    """(control id, risk id) of every open risk's links."""
    return (sa.select(risk_control.c.control_id, risk_control.c.risk_id)
            .join(Risk, Risk.id == risk_control.c.risk_id).where(Risk.status != RiskStatus.CLOSED))


def relying_risk_ids(session: AnySession, counts: dict[int, list[int]],
                     limit: int | None) -> dict[int, tuple[list[int], int]]:
    """Annex A control id -> (the ids of its open risks by reference, the first `limit` or all; how
    many), worked out from every link of the register. Controls no open risk relies on are left out."""
    relying: dict[int, dict[int, None]] = {}  # insertion-ordered: by risk reference
    # Plain rows through the connection (the ORM's result handling doubles the time for ~15,000
    # links), streamed: each row is freed once counted, so the garbage collector is not set off.
    # yield_per goes on the statement: on the connection it would stick and break later INSERTs on
    # PostgreSQL.
    for control_id, risk_id in session.connection().execute(
            open_risk_links().order_by(Risk.reference).execution_options(yield_per=2000)):
        for annex_id in counts.get(control_id, ()):
            if annex_id in relying:
                relying[annex_id][risk_id] = None
            else:
                relying[annex_id] = {risk_id: None}
    return {annex_id: (list(islice(risk_ids, limit)), len(risk_ids)) for annex_id, risk_ids in relying.items()}


def stored(session: AnySession, annex_ids: list[int]) -> dict[int, tuple[list[int], int]]:
    """The kept summary, in the shape of relying_risk_ids(..., KEPT), for the controls asked about."""
    rows = session.execute(sa.select(ControlReliance.control_id, ControlReliance.first_risk_ids,
                                     ControlReliance.open_risk_count)
                           .where(ControlReliance.control_id.in_(sa.bindparam("ids", expanding=True))),
                           {"ids": annex_ids})
    return {control_id: (list(first), count) for control_id, first, count in rows}


def is_current(session: AnySession) -> bool:
    """Whether the kept summary holds for what this session sees: False while the session has
    uncommitted changes to its sources (it is refreshed on commit)."""
    session.flush()
    return not session.info.get(STALE, False)


def refresh(session: AnySession) -> None:
    """Work the summary out again from the register and store it, writing only the rows that differ."""
    if session.get_bind().dialect.name == "postgresql":
        # One refresher at a time, each reading after the previous one committed: two transactions
        # refreshing side by side would each store a summary that misses the other's change.
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": transactions.RELIANCE_LOCK})
    annex_ids = list(session.scalars(sa.select(Control.id).where(Control.source == ControlSource.ANNEX_A)))
    summary = relying_risk_ids(session, counts_for(implemented_by(session, annex_ids)), KEPT)
    kept = {row.control_id: row for row in session.scalars(sa.select(ControlReliance))}
    for control_id in kept.keys() - summary.keys():
        session.delete(kept[control_id])
    for control_id, (first, count) in summary.items():
        row = kept.get(control_id)
        if row is None:
            session.add(ControlReliance(control_id=control_id, open_risk_count=count, first_risk_ids=first))
        elif (row.open_risk_count, row.first_risk_ids) != (count, first):
            row.open_risk_count, row.first_risk_ids = count, first
    session.flush()
    session.info.pop(STALE, None)


# --- noticing changes ---------------------------------------------------------------------------


def _changes_sources(obj, *, edited: bool) -> bool:
    attributes = SOURCE_ATTRIBUTES.get(type(obj))
    if attributes is None:
        return False
    if not edited:  # added or deleted
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


@event.listens_for(Session, "before_flush")
def _note_changed_objects(session: Session, flush_context, instances) -> None:
    if session.info.get(STALE):
        return
    if (any(_changes_sources(obj, edited=False) for obj in chain(session.new, session.deleted))
            or any(_changes_sources(obj, edited=True) for obj in session.dirty)):
        session.info[STALE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state) -> None:
    """INSERT, UPDATE or DELETE statements run on the session (imports, bulk loads) bypass the objects."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in SOURCE_TABLES:
            state.session.info[STALE] = True


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    session.flush()
    if session.info.get(STALE):
        refresh(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_on_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction committed or rolled back; not a savepoint
        session.info.pop(STALE, None)
