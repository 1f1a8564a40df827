"""Slowing down password guessing, in the database so that every web worker sees the same counts.

Failed sign-ins (a wrong password, an unknown e-mail address, a wrong two-factor code) are counted
under three keys. Each key has an allowance of free failures; after it, every further failure makes
the next attempt under that key wait twice as long as the last, from LOCKOUT_FIRST_WAIT_SECONDS up
to LOCKOUT_MINUTES:

- one account from one client address (LOCKOUT_THRESHOLD, strict): guessing one account's password;
- every account from one client address (LOCKOUT_ADDRESS_THRESHOLD, generous, as an office may sign
  in through one address): trying a common password on many accounts;
- one account from every address (LOCKOUT_ACCOUNT_THRESHOLD): guessing from many addresses. This
  one never holds back an address the account has signed in from successfully in the last
  KNOWN_ADDRESS_DAYS, so whoever guesses cannot keep the owner (an administrator above all) out
  from their usual address, only slow down sign-ins from addresses new to the account.

An attempt made while a wait lasts is refused without being counted, so hammering does not make
the wait longer. A count is forgotten FORGET_AFTER after its last failure, and a success clears
the account's counts (not the address's: one person's success must not reset an attacker's count
on a shared address). Keys hold the e-mail address as typed, known or not, so the throttle does
the same for an address that has no account and tells nothing about which addresses exist.
`purge()` (a daily job) deletes what no rule needs any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import SignInThrottle, ThrottleScope
from app.common.models import table_of
from app.common.timeutil import utcnow
from app.extensions import db

FORGET_AFTER = timedelta(hours=24)
KNOWN_ADDRESS_DAYS = 90
ADDRESS_LENGTH = 64  # the column's size; an IPv6 address with a zone fits

_TABLE = table_of(SignInThrottle)
_KEY = ("scope", "account", "address")


@dataclass(frozen=True)
class SlowedDown:
    """A wait that a failure has just started, for the audit log."""

    scope: ThrottleScope
    failures: int
    wait: timedelta


def wait_after(failures: int, free_failures: int, first_wait: timedelta, longest_wait: timedelta) -> timedelta | None:
    """How long the next attempt must wait after this many consecutive failures (None: at once)."""
    if failures < free_failures:
        return None
    doublings = min(failures - free_failures, 32)  # 2**32 first waits exceed any ceiling
    return min(first_wait * 2**doublings, longest_wait)


def wait_left(account: str, address: str, now: datetime | None = None) -> timedelta | None:
    """How long an attempt for this account from this address must still wait, or None."""
    now = now or utcnow()
    rows = _rows(account, address)
    own = rows.get(ThrottleScope.ACCOUNT_AT_ADDRESS)
    known_address = own is not None and own.last_success_at is not None and (
        own.last_success_at > now - timedelta(days=KNOWN_ADDRESS_DAYS))
    waits = [row.blocked_until - now for scope, row in rows.items()
             if row.blocked_until is not None and row.blocked_until > now
             and not (scope is ThrottleScope.ACCOUNT and known_address)]
    return max(waits, default=None)


def count_failure(account: str, address: str, now: datetime | None = None) -> list[SlowedDown]:
    """Count a failed attempt under each key; returns the waits it starts."""
    now = now or utcnow()
    started = []
    for scope, (key_account, key_address) in _keys(account, address).items():
        failures = _add_failure(scope, key_account, key_address, now)
        wait = wait_after(failures, _free_failures(scope), _first_wait(), _longest_wait())
        if wait is not None:
            db.session.execute(sa.update(_TABLE).where(*_is_key(scope, key_account, key_address))
                               .values(blocked_until=now + wait))
            started.append(SlowedDown(scope, failures, wait))
    return started


def count_success(account: str, address: str, now: datetime | None = None) -> None:
    """A sign-in finished: the account's counts start again, and the address becomes known to it."""
    now = now or utcnow()
    statement = _insert().values(scope=ThrottleScope.ACCOUNT_AT_ADDRESS.value, account=account,
                                 address=_clip(address), failures=0, last_success_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=_KEY, set_={"failures": 0, "blocked_until": None, "last_success_at": now}))
    db.session.execute(sa.update(_TABLE).where(*_is_key(ThrottleScope.ACCOUNT, account, ""))
                       .values(failures=0, blocked_until=None))


def clear_account(account: str) -> int:
    """Forget the account's failed sign-ins from every address (an administrator unlocking it);
    returns how many counts there were to clear."""
    result = db.session.execute(
        sa.update(_TABLE)
        .where(_TABLE.c.account == account, _TABLE.c.scope != ThrottleScope.ADDRESS.value,
               sa.or_(_TABLE.c.failures > 0, _TABLE.c.blocked_until.is_not(None)))
        .values(failures=0, blocked_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def slowed_until(account: str, now: datetime | None = None) -> datetime | None:
    """Until when some attempt for the account must wait (from some address, or from new ones)."""
    return db.session.scalar(sa.select(sa.func.max(_TABLE.c.blocked_until))
                             .where(_TABLE.c.account == account, _TABLE.c.blocked_until > (now or utcnow())))


def slowed_accounts(now: datetime | None = None) -> sa.Select:
    """The e-mail addresses whose sign-in is slowed down now, for a filter on the users list."""
    return sa.select(_TABLE.c.account).where(_TABLE.c.scope != ThrottleScope.ADDRESS.value,
                                             _TABLE.c.blocked_until > (now or utcnow()))


def slowed_among(accounts: list[str], now: datetime | None = None) -> set[str]:
    """Which of these e-mail addresses have their sign-in slowed down now (a page of the users list)."""
    return set(db.session.scalars(slowed_accounts(now).where(_TABLE.c.account.in_(accounts))))


def purge(now: datetime | None = None) -> str:
    """Delete the counts no rule reads any more: failures forgotten, and no recent success."""
    now = now or utcnow()
    forgotten = sa.or_(_TABLE.c.last_failure_at.is_(None), _TABLE.c.last_failure_at < now - FORGET_AFTER)
    unknown = sa.or_(_TABLE.c.last_success_at.is_(None),
                     _TABLE.c.last_success_at < now - timedelta(days=KNOWN_ADDRESS_DAYS))
    blocked = sa.and_(_TABLE.c.blocked_until.is_not(None), _TABLE.c.blocked_until > now)
    result = db.session.execute(sa.delete(_TABLE).where(forgotten, unknown, sa.not_(blocked)))
    db.session.commit()
    return f"{int(getattr(result, 'rowcount', 0) or 0)} sign-in count(s) removed"


def _keys(account: str, address: str) -> dict[ThrottleScope, tuple[str, str]]:
    address = _clip(address)
    return {ThrottleScope.ACCOUNT_AT_ADDRESS: (account, address), ThrottleScope.ADDRESS: ("", address),
            ThrottleScope.ACCOUNT: (account, "")}


def _clip(address: str) -> str:
    return (address or "")[:ADDRESS_LENGTH]


def _is_key(scope: ThrottleScope, account: str, address: str) -> tuple:
    return _TABLE.c.scope == scope.value, _TABLE.c.account == account, _TABLE.c.address == address


def _rows(account: str, address: str) -> dict[ThrottleScope, sa.Row]:
    keys = _keys(account, address)
    found = db.session.execute(sa.select(_TABLE).where(sa.or_(*(
        sa.and_(*_is_key(scope, key_account, key_address)) for scope, (key_account, key_address) in keys.items()
    )))).all()
    return {ThrottleScope(row.scope): row for row in found}


def _insert():
    """INSERT ... ON CONFLICT of the database in use: two workers counting the same key's first
    failure at once must add up, not collide on the unique key."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(_TABLE)


def _add_failure(scope: ThrottleScope, account: str, address: str, now: datetime) -> int:
    statement = _insert().values(scope=scope.value, account=account, address=address, failures=1,
                                 last_failure_at=now)
    recent = _TABLE.c.last_failure_at >= now - FORGET_AFTER
    statement = statement.on_conflict_do_update(index_elements=_KEY, set_={
        "failures": sa.case((recent, _TABLE.c.failures + 1), else_=1), "last_failure_at": now,
    }).returning(_TABLE.c.failures)
    return int(db.session.execute(statement).scalar_one())


_FREE_FAILURES_SETTING = {
    ThrottleScope.ACCOUNT_AT_ADDRESS: "LOCKOUT_THRESHOLD",
    ThrottleScope.ADDRESS: "LOCKOUT_ADDRESS_THRESHOLD",
    ThrottleScope.ACCOUNT: "LOCKOUT_ACCOUNT_THRESHOLD",
}


def _free_failures(scope: ThrottleScope) -> int:
    return int(current_app.config[_FREE_FAILURES_SETTING[scope]])


def _first_wait() -> timedelta:
    return timedelta(seconds=current_app.config["LOCKOUT_FIRST_WAIT_SECONDS"])


def _longest_wait() -> timedelta:
    return timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
