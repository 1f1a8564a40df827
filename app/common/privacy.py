"""Stable pseudonyms for people whose details a reader may not see (POPIA: auditors get case and
acknowledgement records without employee names, numbers or contact details). The same employee
always gets the same pseudonym within one register, so an auditor can follow one person across that
register's pages, exports and PDFs without learning who it is; without the secret key the pseudonym
cannot be reversed.

A register other than the cases passes its own `register` name and gets pseudonyms of its own: the
same person is "Employee ABC…" in the cases and someone else in a policy's acknowledgement register,
so what one register shows next to a pseudonym cannot be joined to what another shows (linkage is
how pseudonymised records are re-identified)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app


def pseudonym(employee_id: int, register: str = "") -> str:
    key = current_app.config["SECRET_KEY"].encode()
    # The cases' pseudonyms (no register) keep the message they were first made from.
    message = f"employee:{employee_id}" + (f":{register}" if register else "")
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return "Employee " + base64.b32encode(digest[:5]).decode()
