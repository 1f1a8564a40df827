"""Password hashing (argon2) and the rule a new password must meet."""

from __future__ import annotations

import functools
import gzip
import itertools
import re
import secrets
import string
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

# RFC 9106's second recommended option (64 MiB, 3 passes), argon2-cffi's default. Tests set
# ARGON2_PROFILE=CHEAPEST so hundreds of sign-ins stay fast; production never should.
_DEFAULT_PROFILE = "RFC_9106_LOW_MEMORY"


def _profile_name() -> str:
    return current_app.config.get("ARGON2_PROFILE", _DEFAULT_PROFILE) if has_app_context() else _DEFAULT_PROFILE


def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, _profile_name()))


_DUMMY_HASHES: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash of no account's password, made with the current parameters: checking a password
    against it costs as long as a real check, so an unknown e-mail address is not answered faster."""
    name = _profile_name()
    if name not in _DUMMY_HASHES:
        _DUMMY_HASHES[name] = _hasher().hash(secrets.token_urlsafe(32))
    return _DUMMY_HASHES[name]


def hash_password(password: str) -> str:
    return _hasher().hash(normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    normalised = normalise(password)
    if _verify(password_hash, normalised):
        return True
    # Hashes made before passwords were normalised hold the characters as they were typed.
    return normalised != password and _verify(password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# --- the rule a new password must meet -------------------------------------------------------
# NIST SP 800-63B 5.1.1.2: at least a minimum length counted in characters (Unicode code points
# after NFKC normalisation, not bytes), a generous maximum, no composition rules (no "one digit
# and one symbol": they make passwords harder to remember, not to guess), and a refusal of
# passwords that attackers try first: common and leaked ones, repetitive or sequential ones, and
# words specific to the user and to this service.

MIN_LENGTH = 12
MAX_LENGTH = 128
# The shortest a password may be once the words about the user and this service are taken out.
MIN_LENGTH_BESIDES_CONTEXT = 8
SERVICE_WORDS = ("khusela",)
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "common-passwords.txt.gz"

# What the password fields show, so that nobody has to fail once to learn the rule.
PASSWORD_RULE = (
    f"At least {MIN_LENGTH} characters; spaces and any letters or symbols are allowed. Not a common "
    "password, a repeated word, a run like 123456 or aaaaaa, nor built on your name, e-mail address, the "
    "organisation's name or “Khusela”. Several unrelated words make a strong password that is easy to remember."
)

TOO_COMMON = ("This password is on a list of common and leaked passwords that attackers try first (or is one "
              "with digits or symbols added or letters swapped for look-alikes); choose another, for example "
              "several unrelated words.")
REPEATED = ("The password repeats one word or group of characters (like “passwordpassword”); choose "
            "several different words.")
RUN = ("The password is mostly a run of repeated or consecutive characters (like “aaaaaa”, “123456” or "
       "“qwerty”); choose several unrelated words.")
ABOUT_THE_USER = ("The password is built on your name, your e-mail address, the organisation's name or "
                  "“Khusela”, which attackers try first; choose words that are not about you or this system.")

# Digits typed for the letters they look like: "p4ssw0rd" is "password" to an attacker's word list.
_LOOK_ALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_PADDING = string.digits + string.punctuation + string.whitespace
# Characters next to each other in these count as consecutive ("0" twice: 7890 runs on into 0123).
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def normalise(password: str) -> str:
    """NFKC: the same password typed on another keyboard or system (é as one character or as e and
    an accent, full-width digits) is the same password."""
    return unicodedata.normalize("NFKC", password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list (app/data/common-passwords.NOTICE.txt says where it comes from), read once."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(stripped for line in lines if (stripped := line.strip()))


def password_problem(password: str, context: Iterable[str] = ()) -> str | None:
    """Why a new password is not acceptable, or None when it is. `context`: the e-mail address,
    the name and the organisation's name, whose words a password may not be built on."""
    length = len(normalise(password))
    if length < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long (it has {length})."
    if length > MAX_LENGTH:
        return f"The password may be at most {MAX_LENGTH} characters long (it has {length})."
    folded = normalise(password).casefold()
    weakness = _weakness(folded)
    if weakness:
        return weakness
    rest = _without_context_words(_letters_and_digits(folded), context)
    if rest is not None and (len(rest) < MIN_LENGTH_BESIDES_CONTEXT or _weakness(rest)):
        return ABOUT_THE_USER
    return None


def _letters_and_digits(text: str) -> str:
    return "".join(character for character in text if character.isalnum())


def _forms(folded: str) -> set[str]:
    """The forms in which a word list would match the password: as typed; without the digits and
    symbols added at either end; without spaces and symbols; with look-alike digits read as letters."""
    forms = {folded, folded.strip(_PADDING)}
    forms |= {_letters_and_digits(form) for form in forms}
    forms |= {form.strip(string.digits) for form in forms}
    forms |= {form.translate(_LOOK_ALIKES) for form in forms}
    forms |= {_letters_and_digits(form) for form in forms}
    return {form for form in forms if form}


def _weakness(folded: str) -> str | None:
    compact = _letters_and_digits(folded) or folded
    if _is_run(compact):
        return RUN
    forms = _forms(folded)
    if any(_is_repetition(form) for form in forms if len(form) >= MIN_LENGTH // 2):
        return REPEATED
    if not forms.isdisjoint(common_passwords()):
        return TOO_COMMON
    return None


def _is_repetition(text: str) -> bool:
    """Whether the text is one shorter piece said twice or more ("passwordpassword", "abcabc")."""
    return (text + text).find(text, 1) < len(text)


def _steps(first: str, second: str) -> set[int]:
    if first == second:
        return {0}
    steps = set()
    for sequence in _SEQUENCES:
        for at, character in enumerate(sequence):
            if character == first and at + 1 < len(sequence) and sequence[at + 1] == second:
                steps.add(1)
            if character == second and at + 1 < len(sequence) and sequence[at + 1] == first:
                steps.add(-1)
    return steps


def _is_run(text: str) -> bool:
    """Whether the text is at most two runs of the same or consecutive characters ("aaaaaaaaaaaa",
    "123456789012", "abcdef654321", "qwertyuiop12"), or uses fewer than four different characters."""
    if len(set(text)) < 4:
        return True
    runs, step = 1, None
    for first, second in itertools.pairwise(text):
        possible = _steps(first, second)
        shared = possible if step is None else possible & step
        if shared:
            step = shared
        else:
            runs, step = runs + 1, None
    return runs <= 2


def _context_words(context: Iterable[str]) -> list[str]:
    """Words of the e-mail address, the name and the organisation's name (three letters or more),
    each of them whole without spaces and dots, and this service's name; longest first."""
    words = set(SERVICE_WORDS)
    for text in context:
        folded = normalise(text or "").casefold()
        words |= {part for part in re.split(r"[\W_]+", folded) if len(part) >= 3}
        words |= {_letters_and_digits(whole) for whole in (folded, folded.partition("@")[0])}
    return sorted((word for word in words if len(word) >= 3), key=lambda word: (-len(word), word))


def _without_context_words(compact: str, context: Iterable[str]) -> str | None:
    """The password without the words about the user and this service, or None when it has none."""
    words = _context_words(context)
    rests = []
    for form in (compact, compact.translate(_LOOK_ALIKES)):
        for word in words:
            form = form.replace(word, "")
        rests.append(form)
    rest = min(rests, key=len)
    return rest if len(rest) < len(compact) else None
