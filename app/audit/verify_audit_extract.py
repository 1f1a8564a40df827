#!/usr/bin/env python3
"""Check an extract of Khusela's audit log offline, without Khusela and without its chain key.

    python3 verify_audit_extract.py audit/audit-log.jsonl         (in an unpacked evidence pack)
    python3 verify_audit_extract.py khusela-audit-log.csv         (the CSV export of /audit)

Python 3.9 or later and nothing else: the `cryptography` package is used for the signature when it
is installed, otherwise the Ed25519 check of RFC 8032 written out below. This file is shipped in
every evidence pack and offered on Khusela's /audit page; it imports nothing from Khusela.

What it checks:
1. the links: in the order of their ids, each entry's prev_hash is the hash of the entry before it,
   and no plain SHA-256 entry follows a keyed one. A removed, inserted or re-ordered entry breaks
   a link (an entry removed and the rest of the log re-chained is caught by 3);
2. each entry with a plain SHA-256 hash (entries written before the chain was keyed): the hash is
   recomputed from the entry's content by the recipe below;
3. the signed checkpoint (checkpoint.json and checkpoint.sig beside the extract): its Ed25519
   signature by the organisation's key (public_key.pem, one folder up, or --public-key), and that
   the extract holds the checkpoint's entry with the checkpoint's hash;
4. any hash you wrote down earlier from /audit (--expect-hash HASH): that the extract holds it.

What it cannot check offline: the hash of a keyed entry (HMAC-SHA256 under the chain key, which
never leaves the server), nor an entry whose details are withheld from auditors (POPIA). For those
only the links and the checkpoint are checked: someone who changed such an entry's content and left
its hash as it was would not be caught here. `flask --app wsgi audit verify` on the server checks
every hash with the key; /audit shows when that last ran and what it found.

The recipe (the same as app.audit.services.entry_content):
  content = json.dumps({"action", "actor_email", "actor_id", "changes", "entity_id", "entity_type",
                        "ip_address", "occurred_at", "prev_hash", "summary"},
                       sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
  - occurred_at: UTC, ISO 8601 with microseconds and offset: "2026-03-02T08:15:30.123456+00:00";
  - actor_id: an integer or null; actor_email, ip_address, entity_id: text or null;
  - changes: the stored text (itself JSON), hashed as a string, not as an object;
  - prev_hash: the hash of the entry before; the first entry of the log has 64 zeros.
  hash_scheme "sha256":      entry_hash = SHA-256(content), hex
  hash_scheme "hmac-sha256": entry_hash = HMAC-SHA256(chain key, content), hex

Exit status: 0 when every check passed, 1 naming each problem, 2 when the files cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import sys
from pathlib import Path

GENESIS_HASH = "0" * 64
SHA256, HMAC_SHA256 = "sha256", "hmac-sha256"
CHECKPOINT_FORMAT = "khusela-audit-checkpoint/1"
CONTENT_FIELDS = ("action", "actor_email", "actor_id", "changes", "entity_id", "entity_type", "ip_address",
                  "occurred_at", "prev_hash", "summary")
# What auditors see instead of the summary of an entry about an employee (app.audit.services).
HIDDEN_FROM_AUDITORS = "Details hidden: an employee's personal information (POPIA)."
CHANGES_WITHHELD = "Changes withheld: personal information (POPIA)."
# The CSV export's headers (app.audit.exports) and the fields they hold.
CSV_FIELDS = {"Entry": "id", "Occurred at (UTC, as hashed)": "occurred_at", "Actor id": "actor_id",
              "Who": "actor_email", "Address": "ip_address", "Action": "action", "Entity": "entity_type",
              "Entity id": "entity_id", "Summary": "summary", "Changes": "changes", "Hash scheme": "hash_scheme",
              "Previous hash": "prev_hash", "Hash": "entry_hash"}
# Empty cells of these columns were null (the export writes nothing for null).
CSV_NULLABLE = ("actor_id", "actor_email", "ip_address", "entity_id")
# The export puts a ' before a cell starting with one of these, so that spreadsheets do not run it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# DER of an Ed25519 SubjectPublicKeyInfo, before the 32 bytes of the key itself (RFC 8410).
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


class Unreadable(Exception):
    """A file that is missing or not what it should be: exit 2."""


# --- reading ------------------------------------------------------------------------------------


def read_extract(path: Path) -> list[dict]:
    """Entries from a JSON Lines extract (an evidence pack's) or the CSV export of /audit, by id."""
    try:
        if path.suffix.lower() == ".csv":
            entries = _read_csv(path)
        else:
            with path.open(encoding="utf-8") as handle:
                entries = [json.loads(line) for line in handle if line.strip()]
    except (OSError, ValueError, KeyError) as error:
        raise Unreadable(f"{path}: cannot be read as an audit-log extract ({error}).") from None
    return sorted(entries, key=lambda entry: entry["id"])


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [header for header in CSV_FIELDS if header not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"the columns {', '.join(missing)} are missing: use the CSV export of /audit")
        entries = []
        for row in reader:
            entry: dict = {field: _unneutralised(row[header]) for header, field in CSV_FIELDS.items()}
            for field in CSV_NULLABLE:
                entry[field] = entry[field] or None
            entry["id"] = int(entry["id"])
            entry["actor_id"] = int(entry["actor_id"]) if entry["actor_id"] else None
            entry["redacted"] = entry["summary"] == HIDDEN_FROM_AUDITORS or entry["changes"] == CHANGES_WITHHELD
            entries.append(entry)
        return entries


def _unneutralised(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def content_of(entry: dict) -> bytes:
    """The bytes an entry's hash covers (the recipe in this file's docstring)."""
    return json.dumps({field: entry[field] for field in CONTENT_FIELDS}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


# --- checking the chain ---------------------------------------------------------------------------


class Findings:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.lines: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def say(self, text: str) -> None:
        self.lines.append(text)


def check_chain(entries: list[dict], findings: Findings) -> None:
    recomputed = keyed = withheld = 0
    seen_keyed = False
    for index, entry in enumerate(entries):
        where = f"entry {entry['id']}"
        if index and entry["prev_hash"] != entries[index - 1]["entry_hash"]:
            findings.problem(f"{where}: its prev_hash {entry['prev_hash']} is not the hash of entry "
                             f"{entries[index - 1]['id']} before it: an entry between them was removed or altered "
                             "(or left out of the export by a filter other than dates)")
        scheme = entry.get("hash_scheme")
        if scheme == HMAC_SHA256:
            seen_keyed = True
            keyed += 1
        elif scheme == SHA256:
            if seen_keyed:
                findings.problem(f"{where}: a plain SHA-256 entry after keyed ones: it was written or rewritten by "
                                 "someone without the chain key")
            if entry.get("redacted"):
                withheld += 1
            elif hashlib.sha256(content_of(entry)).hexdigest() != entry["entry_hash"]:
                findings.problem(f"{where}: its content does not match its SHA-256 hash: it was altered")
            else:
                recomputed += 1
        else:
            findings.problem(f"{where}: hash scheme {scheme!r} is not one Khusela writes")
    if not entries:
        findings.say("no entries in the extract")
        return
    first, last = entries[0], entries[-1]
    in_period = sum(1 for entry in entries if entry.get("in_period", True))
    findings.say(f"{len(entries):,} entries, from entry {first['id']} to entry {last['id']}"
                 + (f" ({in_period:,} in the extract's period, the rest lead up to the checkpoint)"
                    if in_period != len(entries) else ""))
    findings.say("starts at the beginning of the log" if first["prev_hash"] == GENESIS_HASH else
                 f"the first entry follows the entry with hash {first['prev_hash']} (before the extract)")
    findings.say(f"links checked: {max(len(entries) - 1, 0):,}")
    findings.say(f"plain SHA-256 entries recomputed: {recomputed:,}")
    if keyed:
        findings.say(f"keyed (HMAC-SHA256) entries: {keyed:,}, links only (their hashes need the chain key, which "
                     "stays on the server)")
    if withheld:
        findings.say(f"plain SHA-256 entries with details withheld (POPIA): {withheld:,}, links only")


def check_expected_hashes(entries: list[dict], expected: list[str], findings: Findings) -> None:
    held = {entry["entry_hash"]: entry["id"] for entry in entries}
    for value in expected:
        value = value.strip().lower()
        if value in held:
            findings.say(f"hash {value} written down earlier: entry {held[value]}, in the extract")
        else:
            findings.problem(f"no entry in the extract has the hash {value} you wrote down: entries were removed or "
                             "the log was rewritten (or the extract ends before it)")


# --- the signed checkpoint ------------------------------------------------------------------------


def raw_public_key(pem: bytes) -> bytes:
    body = b"".join(line for line in pem.strip().splitlines() if not line.startswith(b"-----"))
    try:
        der = base64.b64decode(body, validate=True)
    except ValueError:
        raise Unreadable("the public key is not a PEM file") from None
    if len(der) != 44 or not der.startswith(ED25519_SPKI_PREFIX):
        raise Unreadable("the public key is not an Ed25519 key")
    return der[len(ED25519_SPKI_PREFIX):]


def fingerprint(raw_key: bytes) -> str:
    """SHA-256 of the raw key in groups of four, as Khusela shows it (to compare by phone or letter)."""
    digest = hashlib.sha256(raw_key).hexdigest()
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def signature_valid(raw_key: bytes, message: bytes, signature: bytes) -> tuple[bool, str]:
    """(valid, which implementation checked it)."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return ed25519_valid(raw_key, message, signature), "Python's standard library (RFC 8032)"
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False, "the cryptography package"
    return True, "the cryptography package"


def check_checkpoint(entries: list[dict], payload: bytes, signature: bytes, raw_key: bytes,
                     findings: Findings) -> None:
    try:
        checkpoint = json.loads(payload)
        if checkpoint.get("format") != CHECKPOINT_FORMAT:
            raise ValueError
    except ValueError:
        findings.problem("checkpoint.json is not a Khusela audit checkpoint")
        return
    name = f"checkpoint #{checkpoint.get('checkpoint')} ({checkpoint.get('reason')}, {checkpoint.get('created_at')})"
    valid, checker = signature_valid(raw_key, payload, signature)
    if not valid:
        findings.problem(f"{name}: its signature does not match: checkpoint.json was altered, or signed by another key "
                         f"than the one given (fingerprint {fingerprint(raw_key)})")
        return
    findings.say(f"{name}: signature valid, checked with {checker}")
    findings.say(f"  signed by the key with fingerprint {fingerprint(raw_key)}")
    if not entries:
        return  # nothing in the period: the signed checkpoint only says where the log stood
    held = {entry["id"]: entry["entry_hash"] for entry in entries}
    entry_id, entry_hash = checkpoint.get("entry_id"), checkpoint.get("entry_hash")
    count = checkpoint.get("entry_count") or 0
    if entry_id not in held:
        findings.problem(f"{name}: its entry {entry_id} is not in the extract, so the extract's end is not covered "
                         "by it")
        return
    if held[entry_id] != entry_hash:
        findings.problem(f"{name}: entry {entry_id} has the hash {held[entry_id]} in the extract, but the checkpoint "
                         f"signed {entry_hash}: the log was rewritten from that entry or an earlier one")
        return
    upto = sum(1 for entry in entries if entry["id"] <= entry_id)
    findings.say(f"  its entry {entry_id} (hash {entry_hash}) is in the extract; the log then held {count:,} entries, "
                 f"{count - upto:,} of them before this extract")
    if entries[-1]["id"] != entry_id:
        findings.say(f"  the extract goes on after it, to entry {entries[-1]['id']}: those entries are checked by "
                     "their links only")


# --- Ed25519 (RFC 8032, section 6), for when the cryptography package is not installed ------------

_P = 2 ** 255 - 19
_Q = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _point_add(a: tuple, b: tuple) -> tuple:
    x = (a[1] - a[0]) * (b[1] - b[0]) % _P
    y = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _point_mul(scalar: int, point: tuple) -> tuple:
    result = (0, 1, 1, 0)
    while scalar > 0:
        if scalar & 1:
            result = _point_add(result, point)
        point = _point_add(point, point)
        scalar >>= 1
    return result


def _points_equal(a: tuple, b: tuple) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    return _P - x if (x & 1) != sign else x


def _decompress(data: bytes) -> tuple | None:
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0) or 0
_BASE = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_valid(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(public) != 32 or len(signature) != 64:
        return False
    key, r = _decompress(public), _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if key is None or r is None or s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _Q
    return _points_equal(_point_mul(s, _BASE), _point_add(r, _point_mul(h, key)))


# --- the command ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check an extract of Khusela's audit log offline.")
    parser.add_argument("extract", type=Path, nargs="?", default=Path(__file__).with_name("audit-log.jsonl"),
                        help="audit-log.jsonl of an evidence pack, or the CSV export of /audit")
    parser.add_argument("--checkpoint", type=Path, help="the signed checkpoint (default: checkpoint.json beside the "
                        "extract); its signature is the .sig file of the same name")
    parser.add_argument("--public-key", type=Path, help="the organisation's public key (default: public_key.pem in "
                        "the extract's folder or the one above it)")
    parser.add_argument("--expect-hash", action="append", default=[], metavar="HASH",
                        help="a hash written down earlier from /audit; fails if the extract does not hold it")
    args = parser.parse_args(argv)
    findings = Findings()
    try:
        entries = read_extract(args.extract)
        findings.say(f"{args.extract}:")
        check_chain(entries, findings)
        check_expected_hashes(entries, args.expect_hash, findings)
        _check_checkpoint_files(args, entries, findings)
    except Unreadable as error:
        print(f"CANNOT CHECK: {error}", file=sys.stderr)
        return 2
    for line in findings.lines:
        print(line)
    for problem in findings.problems:
        print(f"PROBLEM: {problem}")
    if findings.problems:
        print(f"RESULT: FAILED, {len(findings.problems)} problem(s)")
        return 1
    print("RESULT: OK. Compare the key's fingerprint above with the one the organisation gave you by another "
          "channel (by phone or in a signed letter), not with one printed in the pack.")
    return 0


def _check_checkpoint_files(args, entries: list[dict], findings: Findings) -> None:
    checkpoint = args.checkpoint or args.extract.with_name("checkpoint.json")
    if not checkpoint.exists():
        if args.checkpoint:
            raise Unreadable(f"{checkpoint}: no such file")
        findings.say("no signed checkpoint given (--checkpoint): the extract's end is not checked against a signed "
                     "head")
        return
    key_path = args.public_key or next((folder / "public_key.pem" for folder in (args.extract.parent,
                                        args.extract.parent.parent) if (folder / "public_key.pem").exists()), None)
    if key_path is None:
        raise Unreadable("public_key.pem not found beside the extract or one folder up: give it with --public-key")
    try:
        payload, signature = checkpoint.read_bytes(), checkpoint.with_suffix(".sig").read_bytes()
        raw_key = raw_public_key(key_path.read_bytes())
    except OSError as error:
        raise Unreadable(str(error)) from None
    check_checkpoint(entries, payload, signature, raw_key, findings)


if __name__ == "__main__":
    sys.exit(main())
