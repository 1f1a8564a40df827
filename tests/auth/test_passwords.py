"""Password hashing (argon2) and the rule a new password must meet."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import given
from hypothesis import strategies as st

from app.auth.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, password_problem, verify_password

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


@pytest.mark.parametrize(
    ("password", "email", "expected"),
    [
        ("short", "", f"at least {MIN_LENGTH} characters long (it has 5)"),
        ("a" * (MIN_LENGTH - 1), "", f"(it has {MIN_LENGTH - 1})"),
        ("x" * (MAX_LENGTH + 1), "", f"at most {MAX_LENGTH} characters"),
        ("someone@example.gov.za", "someone@example.gov.za", "same as the e-mail address"),
        ("  SomeOne@Example.gov.za ", "someone@example.gov.za", "same as the e-mail address"),
        ("abababababababab", "", "too few different characters"),
        ("abcabcabcabcabc", "", "too few different characters"),
    ],
)
def test_password_problem_names_the_rule_broken(password, email, expected):
    problem = password_problem(password, email)
    assert problem is not None
    assert expected in problem


@pytest.mark.parametrize(
    "password",
    [
        "a" * 8 + "bcde",  # exactly the minimum length, exactly four different characters
        PASSPHRASE,
        "x" * (MAX_LENGTH - 4) + "abcd",
        "someone@example.gov.za!",  # contains the address but is not it
    ],
)
def test_acceptable_passwords_have_no_problem(password):
    assert password_problem(password, "someone@example.gov.za") is None


@given(st.text(min_size=MIN_LENGTH, max_size=MAX_LENGTH).filter(lambda text: len(set(text)) >= 4))
def test_any_long_enough_varied_password_is_accepted(password):
    assert password_problem(password) is None


@given(st.text(max_size=MIN_LENGTH - 1))
def test_any_short_password_is_refused(password):
    assert "at least" in password_problem(password)
