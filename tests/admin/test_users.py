"""The users pages of administration: list, filters, export, create, edit and account actions."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth import services as accounts
from app.auth.models import User
from app.auth.passwords import verify_password
from app.extensions import db
from tests import factories
from tests.pages import (
    audit_entries,
    csv_rows,
    is_signed_in,
    listed_emails,
    only_entry,
    page_text,
    sign_in,
    xlsx_rows,
)

NEW_PASSWORD = "a brand new passphrase"
STALE_MESSAGE = "This account was changed by someone else while you were editing it."


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


# --- list, filters, sorting, paging ------------------------------------------------------------


@pytest.fixture
def people(app):
    """Four accounts besides the signed-in admin, one of each status."""
    dotp, doh = factories.make_department("DOTP"), factories.make_department("DOH")
    thandi = factories.make_user("security_officer", email="thandi@example.org", full_name="Thandi Mokoena",
                                 department=dotp)
    pieter = factories.make_user("manager", email="pieter@example.org", full_name="Pieter van Wyk", department=doh)
    naledi = factories.make_user("hr_officer", email="n_dlamini@example.org", full_name="Naledi Dlamini",
                                 department=dotp)
    sipho = factories.make_user("auditor", email="sipho@example.org", full_name="Sipho Nkosi")
    naledi.active = False
    db.session.commit()
    for _ in range(5):  # LOCKOUT_THRESHOLD wrong passwords: sign-in slowed down
        accounts.check_password(sipho.email, "not the password at all", address="192.0.2.10")
        db.session.commit()
    return {"dotp": dotp, "doh": doh, "thandi": thandi, "pieter": pieter, "naledi": naledi, "sipho": sipho}


@pytest.mark.parametrize(("query", "expected"), [
    ("q=MOKOENA", ["thandi"]),
    ("q=pieter@", ["pieter"]),
    ("q=  nkosi  ", ["sipho"]),
    ("q=_", ["naledi"]),  # typed characters, not wildcards
    ("q=%25", []),
    ("role=manager", ["pieter"]),
    ("role=superuser", ["admin", "naledi", "pieter", "sipho", "thandi"]),
    ("department={dotp}", ["naledi", "thandi"]),
    ("department={dotp}&role=security_officer", ["thandi"]),
    ("status=inactive", ["naledi"]),
    ("status=locked", ["sipho"]),
    ("status=active", ["admin", "pieter", "sipho", "thandi"]),
    ("status=active&department={dotp}", ["thandi"]),
    ("q=nobody-has-this", []),
])
def test_filters_select_the_matching_accounts(client, admin, people, query, expected):
    response = client.get("/admin/users?" + query.format(dotp=people["dotp"].id))
    assert response.status_code == 200
    names = {person.email: name for name, person in people.items() if isinstance(person, User)}
    names[admin.email] = "admin"
    assert sorted(names[email] for email in listed_emails(response)) == expected
    if not expected:
        assert "Nothing matches these filters." in page_text(response)


def test_list_is_sorted_by_name_by_default_and_by_any_offered_column(client, admin, people):
    by_name = listed_emails(client.get("/admin/users"))
    assert by_name == [admin.email, "n_dlamini@example.org", "pieter@example.org", "sipho@example.org",
                       "thandi@example.org"]
    by_email_desc = listed_emails(client.get("/admin/users?sort=email&dir=desc"))
    assert by_email_desc == sorted(by_name, reverse=True)
    assert listed_emails(client.get("/admin/users?sort=password_hash")) == by_name


def test_status_column_shows_deactivated_and_slowed_down(client, admin, people):
    text = page_text(client.get("/admin/users?q=dlamini"))
    assert "Deactivated" in text
    badge = '<span class="badge text-bg-danger">Sign-in slowed</span>'
    assert badge in page_text(client.get("/admin/users?q=nkosi"))
    assert badge not in page_text(client.get("/admin/users?q=mokoena"))


def test_list_pages(client, admin):
    for number in range(12):
        factories.make_user(email=f"person{number:02d}@example.org", full_name=f"Person {number:02d}")
    first = client.get("/admin/users?per_page=10")
    second = client.get("/admin/users?per_page=10&page=2")
    assert len(listed_emails(first)) == 10
    assert listed_emails(second) == ["person09@example.org", "person10@example.org", "person11@example.org"]
    assert "Showing 11–13 of 13" in page_text(second)
    assert listed_emails(client.get("/admin/users?per_page=10&page=99")) == listed_emails(second)


# --- export --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "read"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_export_holds_exactly_what_the_filters_select(client, admin, people, fmt, read):
    response = client.get(f"/admin/users?department={people['dotp'].id}&sort=email&dir=desc&per_page=10&page=1"
                          f"&export={fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="khusela-users.{fmt}"'
    rows = read(response)
    assert [row["Email"] for row in rows] == ["thandi@example.org", "n_dlamini@example.org"]
    last_sign_in = rows[1].pop("Last sign-in")
    assert last_sign_in in ("", None)  # never signed in: an empty cell
    assert rows[1] == {"Name": "Naledi Dlamini", "Email": "n_dlamini@example.org", "Role": "HR officer",
                       "Department": "DOTP", "Active": "no", "Two-factor": "off"}
    entry, _ = only_entry("export", "user")
    assert (entry.actor_id, entry.summary) == (admin.id, f"Exported 2 users as {fmt.upper()}")


def test_export_is_not_logged_for_a_page_view(client, admin, people):
    client.get("/admin/users?export=pdf")
    client.get("/admin/users")
    assert audit_entries("export") == []


# --- creating accounts ---------------------------------------------------------------------------


def new_user_form(**changes) -> dict:
    form = {"full_name": "Anele Zulu", "email": "Anele.Zulu@Example.org", "role": "risk_owner",
            "department_id": "", "password": "a long first passphrase"}
    form.update(changes)
    return form


def test_admin_creates_an_account(client, admin):
    department = factories.make_department("DOTP")
    response = client.post("/admin/users/new", data=new_user_form(department_id=str(department.id)))
    user = accounts.find_user_by_email("anele.zulu@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert (user.full_name, user.role, user.department_id, user.active) == ("Anele Zulu", "risk_owner",
                                                                              department.id, True)
    assert user.must_change_password is True
    assert verify_password(user.password_hash, "a long first passphrase")
    entry, changes = only_entry("create", "user", user.id)
    assert entry.actor_id == admin.id
    assert changes["email"] == [None, "anele.zulu@example.org"]
    assert changes["role"] == [None, "risk_owner"]
    assert changes["department"] == [None, department.code]
    assert "password_hash" not in changes
    text = page_text(client.get(response.headers["Location"]))
    assert "Account created for anele.zulu@example.org. They must choose their own password at first sign-in." in text


def test_new_user_form_offers_only_active_departments(client, admin):
    active, inactive = factories.make_department("DOTP"), factories.make_department("OLD")
    inactive.active = False
    db.session.commit()
    text = page_text(client.get("/admin/users/new"))
    assert f'value="{active.id}"' in text
    assert f'value="{inactive.id}"' not in text


@pytest.mark.parametrize(("changes", "message"), [
    ({"email": "not-an-email"}, "Enter a valid e-mail address, like name@westerncape.gov.za."),
    ({"email": ""}, "Enter the e-mail address the person signs in with."),
    ({"email": "Existing@Example.org"}, "Another account already uses existing@example.org."),
    ({"password": "too-short"}, "The password must be at least 12 characters long (it has 9)."),
    ({"password": "aaaaaaaaaaaaaa"}, "The password is mostly a run of repeated or consecutive characters"),
    ({"password": "passwordpassword"}, "The password repeats one word or group of characters"),
    ({"password": "iloveyou2024!"}, "This password is on a list of common and leaked passwords"),
    ({"full_name": "  "}, "Enter the person's name."),
    ({"role": "superuser"}, "Not a valid choice."),
    ({"department_id": "{inactive}"}, "Not a valid choice."),
    ({"department_id": "99999"}, "Not a valid choice."),
])
def test_invalid_new_account_is_refused_and_nothing_is_created(client, admin, changes, message):
    factories.make_user(email="existing@example.org")
    inactive = factories.make_department("OLD")
    inactive.active = False
    db.session.commit()
    users_before, entries_before = user_count(), len(audit_entries("create", "user"))
    data = new_user_form(**{key: value.format(inactive=inactive.id) for key, value in changes.items()})
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    assert "nothing was saved" in text
    assert user_count() == users_before
    assert len(audit_entries("create", "user")) == entries_before


# --- editing accounts ----------------------------------------------------------------------------


def edit_form(user: User, **changes) -> dict:
    form = {"version": str(user.version), "full_name": user.full_name, "email": user.email, "role": user.role,
            "department_id": str(user.department_id or "")}
    form.update(changes)
    return form


def test_admin_changes_role_and_department(client, admin):
    department = factories.make_department("DOH")
    user = factories.make_user("security_officer")
    response = client.post(f"/admin/users/{user.id}",
                           data=edit_form(user, role="manager", department_id=str(department.id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.role, user.department_id) == ("manager", department.id)
    entry, changes = only_entry("update", "user", user.id)
    assert entry.actor_id == admin.id and entry.actor_email == admin.email
    assert changes == {"role": ["security_officer", "manager"], "department": [None, department.code]}
    page = page_text(client.get(f"/admin/users/{user.id}"))
    assert f"Saved the account of {user.email}." in page
    assert "security_officer → manager" in page  # the history beside the form


def test_a_user_keeps_a_department_that_was_deactivated_meanwhile(client, admin):
    from app.admin.services import update_department

    department = factories.make_department("DLG")
    user = factories.make_user("manager", department=department)
    accounts.set_user_active(user, False, expected_version=user.version, actor=None)
    db.session.commit()
    update_department(department, expected_version=department.version, code="DLG", name=department.name,
                      active=False, actor=None)
    db.session.commit()
    accounts.set_user_active(user, True, expected_version=user.version, actor=None)
    db.session.commit()
    page = page_text(client.get(f"/admin/users/{user.id}"))
    assert "DLG — Department DLG (inactive)" in page
    response = client.post(f"/admin/users/{user.id}", data=edit_form(user, full_name="Renamed Manager"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.full_name, user.department_id) == ("Renamed Manager", department.id)


def test_saving_without_changes_writes_no_audit_entry(client, admin):
    user = factories.make_user()
    assert client.post(f"/admin/users/{user.id}", data=edit_form(user)).status_code == 302
    assert audit_entries("update", "user", user.id) == []


@pytest.mark.parametrize("posted_version", ["old", "", "abc", None])
def test_stale_edit_is_refused_and_nothing_changes(client, admin, posted_version):
    user = factories.make_user("security_officer")
    opened = edit_form(user, role="auditor")  # the form as this admin opened it
    accounts.update_user(user, expected_version=user.version, email=user.email, full_name="Renamed Meanwhile",
                         role=user.role, department_id=None, actor=None)
    db.session.commit()
    if posted_version is None:
        del opened["version"]
    elif posted_version != "old":
        opened["version"] = posted_version
    response = client.post(f"/admin/users/{user.id}", data=opened, follow_redirects=True)
    assert response.status_code == 200
    assert STALE_MESSAGE in page_text(response)
    db.session.expire_all()
    assert (user.role, user.full_name) == ("security_officer", "Renamed Meanwhile")
    assert [e.actor_id for e in audit_entries("update", "user", user.id)] == [None]


def test_email_of_another_account_is_refused_on_edit(client, admin):
    factories.make_user(email="taken@example.org")
    user = factories.make_user()
    response = client.post(f"/admin/users/{user.id}", data=edit_form(user, email="TAKEN@example.org"))
    assert response.status_code == 422
    assert "Another account already uses taken@example.org." in page_text(response)
    db.session.expire_all()
    assert user.email != "taken@example.org"


def test_admin_cannot_change_own_role(client, admin):
    response = client.post(f"/admin/users/{admin.id}", data=edit_form(admin, role="auditor"))
    assert response.status_code == 422
    assert "You cannot change your own role; ask another administrator." in page_text(response)
    db.session.expire_all()
    assert admin.role == "admin"
    assert audit_entries("update", "user", admin.id) == []


def test_admin_may_edit_own_name(client, admin):
    response = client.post(f"/admin/users/{admin.id}", data=edit_form(admin, full_name="Thandi Admin"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (admin.full_name, admin.role) == ("Thandi Admin", "admin")


def test_admin_can_change_the_role_of_another_admin(client, admin):
    other = factories.make_user("admin")
    assert client.post(f"/admin/users/{other.id}", data=edit_form(other, role="auditor")).status_code == 302
    db.session.expire_all()
    assert other.role == "auditor"


def test_unknown_account_is_404(client, admin):
    assert client.get("/admin/users/99999").status_code == 404
    assert client.post("/admin/users/99999/deactivate", data={"version": "1"}).status_code == 404


# --- deactivating and reactivating ---------------------------------------------------------------


def test_deactivation_signs_the_user_out_and_keeps_the_account(site):
    with site.app_context():
        admin = factories.make_user("admin")
        user = factories.make_user("risk_owner")
        admin_email, user_id, user_email = admin.email, user.id, user.email
    admin_browser, user_browser = site.test_client(), site.test_client()
    assert sign_in(admin_browser, admin_email, factories.PASSWORD).status_code == 302
    assert sign_in(user_browser, user_email, factories.PASSWORD).status_code == 302
    assert is_signed_in(user_browser)
    with site.app_context():
        version = db.session.get(User, user_id).version  # as the admin's page shows it now

    response = admin_browser.post(f"/admin/users/{user_id}/deactivate", data={"version": version},
                                  follow_redirects=True)
    assert (f"Deactivated {user_email}. They can no longer sign in; their history stays in the audit log."
            in page_text(response))

    assert not is_signed_in(user_browser)
    assert user_browser.get("/").headers["Location"].startswith("/login")
    refused = sign_in(user_browser, user_email, factories.PASSWORD)
    assert refused.status_code == 401
    assert "This account is deactivated." in page_text(refused)
    with site.app_context():
        user = db.session.get(User, user_id)
        assert user is not None and user.active is False
        entry, changes = only_entry("deactivate", "user", user_id)
        assert entry.actor_email == admin_email and changes == {"active": [True, False]}


def test_reactivated_user_signs_in_again_but_old_sessions_stay_signed_out(site):
    with site.app_context():
        admin = factories.make_user("admin")
        user = factories.make_user()
        admin_email, user_id, user_email = admin.email, user.id, user.email
    admin_browser, old_browser, new_browser = site.test_client(), site.test_client(), site.test_client()
    sign_in(admin_browser, admin_email, factories.PASSWORD)
    sign_in(old_browser, user_email, factories.PASSWORD)
    for action in ("deactivate", "reactivate"):
        with site.app_context():
            version = db.session.get(User, user_id).version
        admin_browser.post(f"/admin/users/{user_id}/{action}", data={"version": version})
    with site.app_context():
        assert db.session.get(User, user_id).active is True
        entry, changes = only_entry("reactivate", "user", user_id)
        assert entry.actor_email == admin_email and changes == {"active": [False, True]}
    assert f"Reactivated {user_email}." in page_text(admin_browser.get(f"/admin/users/{user_id}"))
    assert not is_signed_in(old_browser)
    assert sign_in(new_browser, user_email, factories.PASSWORD).status_code == 302
    assert is_signed_in(new_browser)


def test_admin_cannot_deactivate_self(client, admin):
    response = client.post(f"/admin/users/{admin.id}/deactivate", data={"version": admin.version},
                           follow_redirects=True)
    assert "You cannot deactivate your own account." in page_text(response)
    db.session.expire_all()
    assert admin.active is True
    assert audit_entries("deactivate") == []


def test_stale_deactivation_is_refused(client, admin):
    user = factories.make_user()
    stale_version = user.version
    accounts.update_user(user, expected_version=user.version, email=user.email, full_name="Renamed",
                         role=user.role, department_id=None, actor=None)
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}/deactivate", data={"version": stale_version},
                           follow_redirects=True)
    assert STALE_MESSAGE in page_text(response)
    db.session.expire_all()
    assert user.active is True


def test_the_users_own_sign_ins_do_not_make_an_open_form_stale(app, client, admin):
    """A sign-in (or someone guessing the password) must not block an admin's deactivation."""
    user = factories.make_user()
    opened_version = user.version
    other_browser = app.test_client()
    assert sign_in(other_browser, user.email, "not the password at all").status_code == 401
    assert sign_in(other_browser, user.email, factories.PASSWORD).status_code == 302
    response = client.post(f"/admin/users/{user.id}/deactivate", data={"version": opened_version},
                           follow_redirects=True)
    assert STALE_MESSAGE not in page_text(response)
    db.session.expire_all()
    assert user.active is False


def test_an_edit_moves_the_version_once(client, admin):
    user = factories.make_user()
    before = user.version
    assert client.post(f"/admin/users/{user.id}", data=edit_form(user, role="auditor")).status_code == 302
    db.session.expire_all()
    assert user.version == before + 1


# --- unlocking, resetting the password and two-factor --------------------------------------------


def lock_out(site, client, email: str) -> None:
    for _ in range(site.config["LOCKOUT_THRESHOLD"]):
        assert sign_in(client, email, "not the password at all").status_code == 401


def test_admin_unlocks_a_slowed_down_account(site):
    with site.app_context():
        admin = factories.make_user("admin")
        user = factories.make_user()
        admin_email, user_id, user_email = admin.email, user.id, user.email
    admin_browser, user_browser = site.test_client(), site.test_client()
    lock_out(site, user_browser, user_email)
    slowed = sign_in(user_browser, user_email, factories.PASSWORD)
    assert slowed.status_code == 401 and accounts.SIGN_IN_REFUSED in slowed.get_data(as_text=True)
    sign_in(admin_browser, admin_email, factories.PASSWORD)
    assert user_email in admin_browser.get("/admin/users?status=locked").get_data(as_text=True)
    page = page_text(admin_browser.get(f"/admin/users/{user_id}"))
    assert ">Unlock<" in page and ">Sign-in slowed<" in page
    with site.app_context():
        version = db.session.get(User, user_id).version

    response = admin_browser.post(f"/admin/users/{user_id}/unlock", data={"version": version}, follow_redirects=True)
    assert f"Unlocked {user_email}: its failed sign-ins were cleared" in page_text(response)
    with site.app_context():
        assert accounts.sign_in_slowed_until(db.session.get(User, user_id)) is None
        assert only_entry("unlock", "user", user_id)[0].actor_email == admin_email
    assert sign_in(user_browser, user_email, factories.PASSWORD).status_code == 302


def test_an_admin_cannot_unlock_their_own_account(site):
    """Another administrator, or `flask users unlock` on the server, must agree it was no attack."""
    with site.app_context():
        admin = factories.make_user("admin")
        admin_id, admin_email = admin.id, admin.email
    browser = site.test_client()
    sign_in(browser, admin_email, factories.PASSWORD)
    with site.app_context():  # someone guesses at the admin's password from elsewhere meanwhile
        for _ in range(5):
            accounts.check_password(admin_email, "not the password at all", address="203.0.113.9")
            db.session.commit()
        version = db.session.get(User, admin_id).version
    page = page_text(browser.get(f"/admin/users/{admin_id}"))
    assert ">Unlock<" not in page
    assert ("another administrator can unlock it, or run "
            f"<code>flask --app wsgi users unlock {admin_email}</code>") in page

    response = browser.post(f"/admin/users/{admin_id}/unlock", data={"version": version}, follow_redirects=True)
    assert "You cannot unlock your own account: ask another administrator" in page_text(response)
    with site.app_context():
        assert accounts.sign_in_slowed_until(db.session.get(User, admin_id)) is not None
        assert audit_entries("unlock") == []


@pytest.mark.parametrize("role", ["security_officer", "auditor", "manager"])
def test_only_administrators_may_unlock(client, login_as, role):
    user = factories.make_user()
    for _ in range(5):
        accounts.check_password(user.email, "not the password at all", address="203.0.113.9")
        db.session.commit()
    login_as(role)
    assert client.post(f"/admin/users/{user.id}/unlock", data={"version": user.version}).status_code == 403
    assert accounts.sign_in_slowed_until(user) is not None


def test_password_reset_by_admin(site):
    with site.app_context():
        admin = factories.make_user("admin")
        user = factories.make_user()
        admin_email, user_id, user_email = admin.email, user.id, user.email
    admin_browser, user_browser, other_device = site.test_client(), site.test_client(), site.test_client()
    assert sign_in(other_device, user_email, factories.PASSWORD).status_code == 302
    lock_out(site, user_browser, user_email)
    with site.app_context():
        assert accounts.sign_in_slowed_until(db.session.get(User, user_id)) is not None
    sign_in(admin_browser, admin_email, factories.PASSWORD)

    response = admin_browser.post(f"/admin/users/{user_id}/reset-password", data={"password": NEW_PASSWORD},
                                  follow_redirects=True)
    assert f"Password of {user_email} reset." in page_text(response)
    with site.app_context():
        user = db.session.get(User, user_id)
        assert user.must_change_password is True
        assert accounts.sign_in_slowed_until(user) is None
        assert verify_password(user.password_hash, NEW_PASSWORD)
        entry, _ = only_entry("password_reset", "user", user_id)
        assert entry.actor_email == admin_email
        assert NEW_PASSWORD not in entry.summary + entry.changes
    assert not is_signed_in(other_device)
    assert sign_in(user_browser, user_email, factories.PASSWORD).status_code == 401
    signed_in = sign_in(user_browser, user_email, NEW_PASSWORD)
    assert signed_in.headers["Location"] == "/account/password"


def test_password_reset_with_a_weak_password_is_refused(client, admin):
    user = factories.make_user()
    response = client.post(f"/admin/users/{user.id}/reset-password", data={"password": "short"})
    assert response.status_code == 422
    assert "The password must be at least 12 characters long (it has 5)." in page_text(response)
    db.session.expire_all()
    assert verify_password(user.password_hash, factories.PASSWORD)
    assert user.must_change_password is False
    assert audit_entries("password_reset") == []


def test_admin_resets_two_factor(client, admin):
    user = factories.make_user()
    secret = accounts.new_totp_secret()
    accounts.enable_mfa(user, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    assert ">Reset two-factor<" in page_text(client.get(f"/admin/users/{user.id}"))
    response = client.post(f"/admin/users/{user.id}/reset-two-factor", data={"version": user.version},
                           follow_redirects=True)
    assert f"Two-factor sign-in of {user.email} was reset" in page_text(response)
    db.session.expire_all()
    assert (user.mfa_enabled, user.totp_secret) == (False, None)
    entry, changes = only_entry("mfa_reset", "user", user.id)
    assert entry.actor_id == admin.id and changes == {"mfa_enabled": [True, False]}


def test_audit_entries_of_account_actions_name_the_admin_and_address(client, admin):
    user = factories.make_user()
    client.post(f"/admin/users/{user.id}/deactivate", data={"version": user.version})
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "deactivate"))
    assert (entry.actor_id, entry.actor_email, entry.ip_address) == (admin.id, admin.email, "127.0.0.1")


def test_password_fields_show_the_rule(client, admin):
    user = factories.make_user()
    for url in ("/admin/users/new", f"/admin/users/{user.id}"):
        assert "At least 12 characters; spaces and any letters or symbols are allowed." in page_text(client.get(url))
