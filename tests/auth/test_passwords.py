"""Password hashing (argon2) and the rule a new password must meet."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import given
from hypothesis import strategies as st

from app.auth.passwords import (
    ABOUT_THE_USER,
    MAX_LENGTH,
    MIN_LENGTH,
    PASSWORD_RULE,
    REPEATED,
    RUN,
    TOO_COMMON,
    common_passwords,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

PASSPHRASE = "correct horse battery staple"


def test_hash_is_argon2id_and_salted(app):
    first, second = hash_password(PASSPHRASE), hash_password(PASSPHRASE)
    assert first.startswith("$argon2id$")
    assert first != second, "two hashes of one password must differ (random salt)"
    assert PASSPHRASE not in first


def test_verify_accepts_the_right_password(app):
    assert verify_password(hash_password(PASSPHRASE), PASSPHRASE) is True


@pytest.mark.parametrize("attempt", [PASSPHRASE[:-1], PASSPHRASE.capitalize(), "", f"{PASSPHRASE} "])
def test_verify_refuses_a_wrong_password(app, attempt):
    assert verify_password(hash_password(PASSPHRASE), attempt) is False


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$broken"])
def test_verify_treats_a_damaged_hash_as_a_wrong_password(app, stored):
    assert verify_password(stored, PASSPHRASE) is False


def test_the_test_profile_comes_from_config(app):
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    assert not needs_rehash(cheap.hash(PASSPHRASE))


def test_a_hash_with_other_parameters_needs_rehash(app):
    stronger = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    assert needs_rehash(stronger.hash(PASSPHRASE))


def test_without_an_app_the_production_profile_is_used():
    production = profiles.RFC_9106_LOW_MEMORY
    stored = hash_password(PASSPHRASE)
    assert f"m={production.memory_cost},t={production.time_cost},p={production.parallelism}" in stored
    assert verify_password(stored, PASSPHRASE)


CONTEXT = ["thandi.mokoena@westerncape.gov.za", "Thandi Mokoena", "Western Cape Government"]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short", f"at least {MIN_LENGTH} characters long (it has 5)"),
        ("a" * (MIN_LENGTH - 1), f"(it has {MIN_LENGTH - 1})"),
        ("x" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH} characters"),
        # Characters, not bytes: twelve two-byte letters are enough, eleven are not.
        ("é" * 11, "(it has 11)"),
        # NFKC: "e" and a combining accent are one character, as "é" is.
        ("e\u0301" * 11, "(it has 11)"),
        # Runs of repeated or consecutive characters.
        ("aaaaaaaaaaaa", RUN),
        ("123456789012", RUN),
        ("abcdefghijkl", RUN),
        ("987654321098", RUN),
        ("qwertyuiopas", RUN),
        ("abcdef123456", RUN),
        ("aaaaaaaaaaab", RUN),
        ("abcdabcdabcd", REPEATED),
        # A repeated word, whatever the case and what is added at the ends.
        ("passwordpassword", REPEATED),
        ("PasswordPassword!", REPEATED),
        ("Summer2024Summer2024", REPEATED),
        ("letmein-letmein", REPEATED),
        # On the list, or one of its entries with the usual changes.
        ("iloveyou1234", TOO_COMMON),
        ("Password2024!", TOO_COMMON),
        ("P@ssw0rd2024!!", TOO_COMMON),
        ("  Football2023  ", TOO_COMMON),
        ("1qaz2wsx3edc4rfv", TOO_COMMON),
        ("ｐａｓｓｗｏｒｄ１２３４", TOO_COMMON),  # full-width letters are the same password (NFKC)
        # Built on the user's address or name, the organisation's name or this service's name.
        ("thandi.mokoena@westerncape.gov.za", ABOUT_THE_USER),
        ("  Thandi.Mokoena@WesternCape.gov.za ", ABOUT_THE_USER),
        ("thandi mokoena 1985", ABOUT_THE_USER),
        ("Mokoena2026!!", ABOUT_THE_USER),
        ("westerncape2024", ABOUT_THE_USER),
        ("Cape Government!", ABOUT_THE_USER),
        ("khusela-demo", ABOUT_THE_USER),
        ("Khu5ela-2026!", ABOUT_THE_USER),
        ("khusela password", ABOUT_THE_USER),
    ],
)
def test_password_problem_names_the_rule_broken(password, expected):
    assert password_problem(password, CONTEXT) is not None
    assert expected in password_problem(password, CONTEXT)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "fynbos-protea-demo",  # the demo accounts' password
        "Tr0ub4dor&3 lighthouse",
        "zebra crossing at noon",
        "Thandi's red bicycle",  # a name and enough besides it
        ("lantern harbour umbrella giraffe pebble orchid violin tractor meadow biscuit compass saffron glacier "
         "kettle marimba baobab cheetah")[:MAX_LENGTH],  # exactly the longest allowed
        "é" * 6 + "ñ" * 6 + "üöäß",
        "ábcdéfghíjkl",  # accented letters are not the alphabet in a row
    ],
)
def test_acceptable_passwords_have_no_problem(password):
    assert password_problem(password, CONTEXT) is None


def test_the_context_is_only_what_is_given():
    assert password_problem("thandi mokoena 1985") is None
    assert password_problem("thandi mokoena 1985", ["Thandi Mokoena"]) == ABOUT_THE_USER


def test_the_list_is_read_once():
    common_passwords.cache_clear()
    password_problem("correct horse battery staple")
    password_problem("zebra crossing at noon")
    assert common_passwords.cache_info().misses == 1
    assert len(common_passwords()) > 19_000
    assert {"password", "iloveyou", "qwerty"} <= common_passwords()


def test_the_rule_is_shown_where_passwords_are_chosen():
    assert f"At least {MIN_LENGTH} characters" in PASSWORD_RULE
    assert "Khusela" in PASSWORD_RULE


WORDS = ["lantern", "harbour", "umbrella", "giraffe", "pebble", "orchid", "violin", "tractor", "meadow", "biscuit",
         "compass", "saffron", "glacier", "kettle", "marimba", "baobab"]


@given(st.lists(st.sampled_from(WORDS), min_size=3, max_size=6, unique=True), st.sampled_from([" ", "-", ""]))
def test_several_unrelated_words_are_accepted(words, separator):
    assert password_problem(separator.join(words), CONTEXT) is None


@given(st.text(max_size=MAX_LENGTH + 10))
def test_any_text_gets_an_answer_and_short_ones_are_refused(password):
    problem = password_problem(password, CONTEXT)
    if len(unicodedata.normalize("NFKC", password)) < MIN_LENGTH:
        assert "at least" in problem
    assert problem is None or isinstance(problem, str)


def test_the_same_password_typed_in_another_unicode_form_signs_in(app):
    composed, decomposed = "caf\u00e9 au lait with friends", "cafe\u0301 au lait with friends"
    assert verify_password(hash_password(composed), decomposed)
    assert verify_password(hash_password(decomposed), composed)


def test_a_hash_made_before_normalising_still_verifies(app):
    decomposed = "cafe\u0301 au lait with friends"
    legacy = PasswordHasher.from_parameters(profiles.CHEAPEST).hash(decomposed)  # as typed, not normalised
    assert verify_password(legacy, decomposed)
