"""Who may accept a risk above tolerance: the authority its residual band needs, and who holds it.

ISO/IEC 27001 6.1.3 f has the risk owners accept the residual risk; the risk criteria (6.1.2 a)
say at what level. In the public sector the accounting officer (PFMA s38(1)(a)(i) for a
department, MFMA s62(1)(c)(i) for a municipality) answers for risk management, so the highest
risks are theirs to retain. A setting names, per band of the risk matrix, the lowest authority
that may accept its risks (settings.RISK_ACCEPTANCE_AUTHORITY; a band it does not name is the risk
owner's). A higher authority may accept what a lower one may:

- the risk owner: the risk's owner;
- the head of department: an account designated so, of the risk's department;
- the accounting officer: an account designated so, of the risk's department, or of the whole
  organisation when the account has no department (a municipal manager; a provincial
  department's head is its accounting officer, PFMA s36).

Only an active account whose role may accept risks (permissions.RISK_ACCEPT) holds any of them.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement

from app.admin import settings
from app.auth.models import AcceptanceAuthority, User
from app.auth.permissions import RISK_ACCEPT, role_has
from app.extensions import db
from app.risks import scoring
from app.risks.models import Risk

AUTHORITIES = tuple(AcceptanceAuthority)  # lowest first


def band_authorities() -> dict[str, AcceptanceAuthority]:
    """The setting: lower-case band name -> the lowest authority that may accept its risks."""
    stored: Mapping[str, str] = settings.get(settings.RISK_ACCEPTANCE_AUTHORITY)
    valid = {authority.value for authority in AcceptanceAuthority}
    return {name: AcceptanceAuthority(value) for name, value in stored.items() if value in valid}


def authority_for_band(name: str | None, authorities: Mapping[str, AcceptanceAuthority] | None = None
                       ) -> AcceptanceAuthority:
    authorities = band_authorities() if authorities is None else authorities
    return authorities.get((name or "").strip().lower(), AcceptanceAuthority.RISK_OWNER)


def residual_band(risk: Risk) -> scoring.Band | None:
    """The band of the risk's residual rating on the matrix version it was scored on."""
    if risk.residual_score is None:
        return None
    try:
        return risk.matrix.to_scoring().band_for(risk.residual_score)
    except scoring.ScoringError:
        return None


def required_authority(risk: Risk) -> AcceptanceAuthority:
    band = residual_band(risk)
    return authority_for_band(band.name if band else None)


def _may_hold_any(user: User) -> bool:
    return bool(user.active) and role_has(user.role, RISK_ACCEPT)


def holds(user: User, authority: AcceptanceAuthority, risk: Risk) -> bool:
    """Whether `user` holds `authority`, or a higher one, over this risk."""
    if not _may_hold_any(user):
        return False
    designation = user.acceptance_authority
    organisation_wide = designation == AcceptanceAuthority.ACCOUNTING_OFFICER and user.department_id is None
    of_the_department = risk.department_id is not None and user.department_id == risk.department_id
    if authority == AcceptanceAuthority.ACCOUNTING_OFFICER:
        return designation == AcceptanceAuthority.ACCOUNTING_OFFICER and (organisation_wide or of_the_department)
    if authority == AcceptanceAuthority.HEAD_OF_DEPARTMENT:
        return ((designation == AcceptanceAuthority.HEAD_OF_DEPARTMENT and of_the_department)
                or holds(user, AcceptanceAuthority.ACCOUNTING_OFFICER, risk))
    return risk.owner_id == user.id or holds(user, AcceptanceAuthority.HEAD_OF_DEPARTMENT, risk)


def may_accept(user: User, risk: Risk) -> bool:
    """Whether `user` holds the authority the risk's residual band needs."""
    return holds(user, required_authority(risk), risk)


def highest_held(user: User, risk: Risk) -> AcceptanceAuthority | None:
    """The authority the user holds over the risk in their own right (the highest), or None."""
    return next((level for level in reversed(AUTHORITIES) if holds(user, level, risk)), None)


def has_some_authority(user: User, risk: Risk) -> bool:
    """Whether `user` holds any acceptance authority over this risk (the owner, its department's
    head, an accounting officer): they may open its acceptance page, which says what it needs."""
    return holds(user, AcceptanceAuthority.RISK_OWNER, risk)


def within_reach(user: User) -> ColumnElement:
    """The risks over which `user` holds some authority (has_some_authority), as a condition on
    Risk: what a list of requests narrows to in SQL before asking acceptors() of each."""
    if not _may_hold_any(user):
        return sa.false()
    designation = user.acceptance_authority
    if designation == AcceptanceAuthority.ACCOUNTING_OFFICER and user.department_id is None:
        return sa.true()
    reach = [Risk.owner_id == user.id]
    if designation in (AcceptanceAuthority.HEAD_OF_DEPARTMENT, AcceptanceAuthority.ACCOUNTING_OFFICER):
        reach.append(Risk.department_id == user.department_id)
    return sa.or_(*reach)


def _holders_of(authority: AcceptanceAuthority, risk: Risk) -> list[User]:
    """The active accounts that hold exactly `authority` over the risk, by name."""
    if authority == AcceptanceAuthority.RISK_OWNER:
        candidates = [risk.owner] if risk.owner is not None else []
    else:
        department = sa.or_(User.department_id.is_(None), User.department_id == risk.department_id) \
            if authority == AcceptanceAuthority.ACCOUNTING_OFFICER else User.department_id == risk.department_id
        candidates = list(db.session.scalars(
            sa.select(User).where(User.acceptance_authority == authority.value, User.active.is_(True), department)
            .order_by(sa.func.lower(User.full_name), User.id)))
    return [user for user in candidates if _may_hold_any(user) and holds(user, authority, risk)]


def acceptors(risk: Risk) -> tuple[AcceptanceAuthority, list[User]]:
    """Whom to ask to accept the risk: the holders of the authority its band needs, else (nobody
    holds that one, such as no head of the risk's department designated) of the next higher one
    that somebody holds. ([], the required authority) when nobody holds any that would do."""
    required = required_authority(risk)
    for authority in AUTHORITIES[required.rank:]:
        people = _holders_of(authority, risk)
        if people:
            return authority, people
    return required, []


def who_may_accept(risk: Risk) -> str:
    """One sentence naming the authority the risk needs and the people who hold it: the message of a
    refused acceptance and the note on the acceptance page."""
    band = residual_band(risk)
    required = required_authority(risk)
    what = f"A {band.name} residual risk" if band else "This risk"
    needs = f"{what} is accepted by the {required.label.lower()}"
    if required == AcceptanceAuthority.RISK_OWNER:
        needs = f"{what} is accepted by its risk owner"
    authority, people = acceptors(risk)
    if not people:
        return (f"{needs}, or a higher authority, and nobody holds that authority for {risk.reference}: an "
                "administrator designates the head of department or the accounting officer under Administration "
                "→ Users.")
    names = ", ".join(person.full_name for person in people)
    if authority == required:
        return f"{needs}: {names}."
    return f"{needs}; nobody is designated for {risk.reference}, so the {authority.label.lower()} accepts it: {names}."
