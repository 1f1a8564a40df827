"""`flask users create` (the first administrator, or accounts made by a script) and `flask users unlock`."""

from __future__ import annotations

import pytest

from app.auth import services
from app.auth.passwords import verify_password
from app.extensions import db
from tests import factories

PASSPHRASE = "a long passphrase here"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=["users", "create", *args], input=input)

    return invoke


def test_create_with_the_password_on_standard_input(app, run, audit_entries):
    department = factories.make_department("DOTP", "Office of the Premier")
    result = run("--email", " First.Admin@Example.gov.za", "--role", "admin", "--department", "dotp",
                 "--name", "Lindiwe Dube", "--password-stdin", input=f"{PASSPHRASE}\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Created first.admin@example.gov.za (Administrator)."
    assert PASSPHRASE not in result.output

    user = services.find_user_by_email("first.admin@example.gov.za")
    assert (user.full_name, user.role, user.department_id) == ("Lindiwe Dube", "admin", department.id)
    assert verify_password(user.password_hash, PASSPHRASE)
    assert not user.must_change_password, "the person who typed the password chose it"
    [entry] = [e for e in audit_entries("create") if e.entity_type == "user"]
    assert entry.entity_id == str(user.id)
    assert entry.actor_id is None


def test_signing_in_with_the_created_account(app, client, run, sign_in):
    assert run("--email", "boss@example.gov.za", "--role", "admin", "--password-stdin",
               input=f"{PASSPHRASE}\n").exit_code == 0
    assert sign_in("boss@example.gov.za", PASSPHRASE).headers["Location"] == "/"
    assert client.get("/admin/users").status_code == 200


def test_name_defaults_to_the_e_mail_address(app, run):
    assert run("--email", "sipho@example.gov.za", "--role", "auditor", "--password-stdin",
               input=f"{PASSPHRASE}\n").exit_code == 0
    assert services.find_user_by_email("sipho@example.gov.za").full_name == "sipho"


def test_without_stdin_the_password_is_asked_twice(app, run):
    result = run("--email", "asked@example.gov.za", "--role", "manager", input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    assert "Repeat the password:" in result.output
    assert "At least 12 characters" in result.output, "the rule is shown before the password is asked"
    assert PASSPHRASE not in result.output, "the password is not echoed"
    assert verify_password(services.find_user_by_email("asked@example.gov.za").password_hash, PASSPHRASE)


def test_a_short_password_typed_twice_is_refused(app, run):
    result = run("--email", "asked@example.gov.za", "--role", "manager", input="pw\npw\n")
    assert "Repeat the password:" in result.output
    assert result.exit_code == 2
    assert "Error: The password must be at least 12 characters long (it has 2)." in result.stderr
    assert services.find_user_by_email("asked@example.gov.za") is None


def test_two_different_passwords_are_not_accepted(app, run):
    result = run("--email", "asked@example.gov.za", "--role", "manager", input=f"{PASSPHRASE}\nsomething else\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert services.find_user_by_email("asked@example.gov.za") is None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "superuser"], f"{PASSPHRASE}\n",
         "Error: unknown role 'superuser'; choose one of admin, security_officer, risk_owner, manager, hr_officer, "
         "auditor."),
        (["--role", "auditor", "--department", "NOPE"], f"{PASSPHRASE}\n", "Error: no department has the code 'NOPE'."),
        (["--role", "auditor"], "too short\n", "Error: The password must be at least 12 characters long (it has 9)."),
        (["--role", "auditor"], "\n", "Error: The password must be at least 12 characters long (it has 0)."),
        (["--role", "auditor"], "new.person@example.gov.za\n",
         "Error: The password is built on your name, your e-mail address"),
        (["--role", "auditor"], "passwordpassword\n", "Error: The password repeats one word"),
        (["--role", "auditor"], "Password2024!\n", "Error: This password is on a list of common and leaked passwords"),
    ],
    ids=["bad-role", "unknown-department", "short-password", "empty-password", "password-is-email",
         "repeated-word", "common-password"],
)
def test_refusals_exit_2_with_a_clear_message(app, run, audit_entries, args, stdin, message):
    result = run("--email", "new.person@example.gov.za", *args, "--password-stdin", input=stdin)
    assert result.exit_code == 2
    assert message in result.stderr
    assert services.find_user_by_email("new.person@example.gov.za") is None
    assert audit_entries() == []


@pytest.mark.parametrize("email", ["bob", "bob@", "@example.org", "bob@@example.org"])
def test_a_malformed_address_is_refused(app, run, audit_entries, email):
    result = run("--email", email, "--role", "auditor", "--password-stdin", input=f"{PASSPHRASE}\n")
    assert result.exit_code == 2
    assert "is not a valid e-mail address" in result.stderr
    assert services.find_user_by_email(email) is None
    assert audit_entries() == []


def test_an_address_already_in_use_is_refused(app, run):
    existing = factories.make_user(email="taken@example.gov.za")
    result = run("--email", "TAKEN@example.gov.za", "--role", "admin", "--password-stdin", input=f"{PASSPHRASE}\n")
    assert result.exit_code == 2
    assert "Error: an account with the e-mail address taken@example.gov.za already exists." in result.stderr
    assert existing.role == "security_officer"
    assert verify_password(existing.password_hash, factories.PASSWORD)


def test_an_address_in_use_is_refused_before_the_password_is_asked(app, run):
    factories.make_user(email="taken@example.gov.za")
    result = run("--email", "taken@example.gov.za", "--role", "admin", input="")
    assert result.exit_code == 2
    assert "Password:" not in result.output


@pytest.mark.parametrize("missing", ["--email", "--role"])
def test_email_and_role_are_required(app, run, missing):
    args = {"--email": "x@example.gov.za", "--role": "admin"}
    del args[missing]
    result = run(*[part for pair in args.items() for part in pair], "--password-stdin", input=f"{PASSPHRASE}\n")
    assert result.exit_code == 2
    assert f"Missing option '{missing}'" in result.output


# --- flask users unlock ------------------------------------------------------------------------


def _slowed_down(user) -> None:
    for _ in range(5):
        services.check_password(user.email, "not the password at all", address="192.0.2.10")
        db.session.commit()
    assert services.sign_in_slowed_until(user) is not None


def test_unlock_clears_the_failed_sign_ins_even_of_the_only_administrator(app, audit_entries):
    admin = factories.make_user("admin")
    _slowed_down(admin)
    result = app.test_cli_runner().invoke(args=["users", "unlock", admin.email.upper()])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Unlocked {admin.email}: its failed sign-ins were cleared."
    assert services.sign_in_slowed_until(admin) is None
    [entry] = audit_entries("unlock")
    assert (entry.actor_id, entry.entity_id) == (None, str(admin.id))


def test_unlock_with_nothing_to_clear_says_so(app, audit_entries):
    user = factories.make_user()
    result = app.test_cli_runner().invoke(args=["users", "unlock", user.email])
    assert result.exit_code == 0
    assert "had no failed sign-ins to clear" in result.stdout
    assert audit_entries("unlock") == []


def test_unlock_of_an_unknown_address_is_refused(app):
    result = app.test_cli_runner().invoke(args=["users", "unlock", "nobody@example.gov.za"])
    assert result.exit_code == 2
    assert "Error: no account has the e-mail address nobody@example.gov.za." in result.stderr
