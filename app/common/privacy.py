"""Stable pseudonyms for people whose details a reader may not see (POPIA: auditors get case and
acknowledgement records without employee names, numbers or contact details). The same employee
always gets the same pseudonym, so an auditor can follow one person across pages, exports and
PDFs without learning who it is; without the secret key the pseudonym cannot be reversed."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app


def pseudonym(employee_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"employee:{employee_id}".encode(), hashlib.sha256).digest()
    return "Employee " + base64.b32encode(digest[:5]).decode()
