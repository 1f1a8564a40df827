"""One product through the test client: adding, editing (items take a new date) and deleting it,
and who may."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from app.assets.products import services
from app.assets.products.models import Product
from app.assets.products.services import ProductInput
from app.extensions import db
from tests import factories
from tests.assets.products.conftest import (
    item,
    listed,
    product,
    product_form,
    products_named,
    reload,
    shipped,
)
from tests.pages import audit_entries, error_next_to, only_entry, text_of


@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


# --- who may change the list -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["risk_owner", "auditor", "manager", "hr_officer"])
def test_only_editors_add_edit_delete_and_import_products(client, login_as, role):
    windows_7 = shipped("Microsoft Windows", "7")
    login_as(role)

    assert client.get("/assets/products/new").status_code == 403
    assert client.post("/assets/products/new", data=product_form()).status_code == 403
    assert client.get(f"/assets/products/{windows_7.id}/edit").status_code == 403
    assert client.post(f"/assets/products/{windows_7.id}/edit",
                       data=product_form(version=str(windows_7.version))).status_code == 403
    assert client.post(f"/assets/products/{windows_7.id}/delete").status_code == 403
    assert client.get("/assets/products/import").status_code == 403
    assert products_named("Acme Linux") == [] and reload(windows_7).name == "Microsoft Windows"


# --- adding --------------------------------------------------------------------------------------------


def test_adding_a_product_through_the_form(client, officer):
    assert client.get("/assets/products/new").status_code == 200

    response = client.post("/assets/products/new", data=product_form())

    [added] = products_named("Acme Linux")
    assert response.status_code == 302 and response.headers["Location"] == "/assets/products?q=Acme+Linux"
    assert (added.release, added.end_of_support, added.source, added.note) == (
        "9", date(2032, 5, 31), "https://acme.example/lifecycle", "Long-term release")
    entry, changes = only_entry("create", "product", added.id)
    assert entry.actor_id == officer.id and changes["end_of_support"] == [None, "2032-05-31"]
    landing = client.get(response.headers["Location"])
    assert "Added Acme Linux 9 to the product list." in text_of(landing)
    assert listed(landing) == ["Acme Linux 9"]


def test_the_form_has_labels_for_every_field(client, officer):
    page = client.get("/assets/products/new").get_data(as_text=True)

    for name, label in (("name", "Product"), ("release", "Version"), ("end_of_support", "End of support"),
                        ("source", "Source"), ("note", "Note")):
        assert f'<label class="form-label" for="{name}">{label}</label>' in page
    assert '<h1 class="h3">New product</h1>' in page and "<style" not in page and "<script>" not in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Name the product, like Microsoft Windows Server."),
        ({"source": "javascript:alert(1)"}, "source", "Give the source as a web address starting with https://"),
        ({"source": "ftp://acme.example/eol.txt"}, "source", "Give the source as a web address"),
        ({"source": "https://"}, "source", "Give the source as a web address"),
        ({"end_of_support": "31/05/2032"}, "end_of_support", "“31/05/2032” is not a date; enter it as YYYY-MM-DD"),
        ({"release": "x" * 61}, "release", "Use at most 60 characters."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(client, officer, changes, field, message):
    response = client.post("/assets/products/new", data=product_form(**changes))

    assert response.status_code == 422
    assert error_next_to(response, field).startswith(message)
    assert products_named("Acme Linux") == [] and products_named("  ") == []


def test_a_product_already_in_the_list_is_refused_next_to_the_version(client, officer):
    response = client.post("/assets/products/new", data=product_form(name="microsoft windows", release="7"))

    assert response.status_code == 422
    assert error_next_to(response, "release") == "Microsoft Windows 7 is already in the product list."
    assert "The form has 1 problem; nothing was saved." in text_of(response)
    assert products_named("microsoft windows") == []


def test_an_empty_date_and_source_are_allowed(client, officer):
    response = client.post("/assets/products/new", data=product_form(end_of_support="", source="", note=""))

    assert response.status_code == 302
    [added] = products_named("Acme Linux")
    assert (added.end_of_support, added.source) == (None, "")


# --- editing -------------------------------------------------------------------------------------------


def test_a_new_date_goes_to_the_items_without_their_own(client, officer):
    acme = product("Acme Linux", "9", date(2030, 1, 1))
    inheriting = [item("PC-1", acme), item("PC-2", acme)]
    own_date = item("PC-3", acme, end_of_support_set=date(2031, 6, 30))
    form = client.get(f"/assets/products/{acme.id}/edit").get_data(as_text=True)
    assert 'value="2030-01-01"' in form and "3 items use this product" in html.unescape(form)

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(version=str(acme.version)),
                           follow_redirects=True)

    assert "Saved Acme Linux 9. 2 items take the new end-of-support date (items with a date of their own keep " \
           "it)." in text_of(response)
    assert reload(acme).end_of_support == date(2032, 5, 31) and reload(acme).version == 2
    assert [reload(asset).support_ends_on for asset in inheriting] == [date(2032, 5, 31)] * 2
    assert reload(own_date).support_ends_on == date(2031, 6, 30)
    _, changes = only_entry("update", "product", acme.id)
    assert changes["end_of_support"] == ["2030-01-01", "2032-05-31"] and changes["items inheriting the date"][1] == 2


def test_editing_only_the_note_says_saved_without_items(client, officer):
    acme = product("Acme Linux", "9", date(2032, 5, 31), source="https://acme.example/lifecycle")

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(
        version=str(acme.version), note="Paid extended support to 2035"), follow_redirects=True)

    assert "Saved Acme Linux 9." in text_of(response) and "take the new" not in text_of(response)
    assert reload(acme).note == "Paid extended support to 2035"


def test_saving_an_unchanged_form_says_nothing_changed(client, officer):
    acme = product("Acme Linux", "9", date(2032, 5, 31), source="https://acme.example/lifecycle",
                   note="Long-term release")

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(version=str(acme.version)),
                           follow_redirects=True)

    assert "Nothing changed." in text_of(response) and reload(acme).version == 1


def test_a_stale_form_is_refused_and_nothing_is_saved(client, officer):
    acme = product("Acme Linux", "9", date(2030, 1, 1))
    opened_at = acme.version
    services.update_product(acme, ProductInput("Acme Linux", "9", date(2031, 1, 1)), expected_version=opened_at,
                            actor=None)
    db.session.commit()

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(version=str(opened_at)))

    assert response.status_code == 302 and response.headers["Location"] == f"/assets/products/{acme.id}/edit"
    assert "This product was changed by someone else while you were editing it." in text_of(
        client.get(response.headers["Location"]))
    assert reload(acme).end_of_support == date(2031, 1, 1)


def test_renaming_onto_another_product_is_refused(client, officer):
    acme = product("Acme Linux", "9")

    response = client.post(f"/assets/products/{acme.id}/edit", data=product_form(
        version=str(acme.version), name="Microsoft Windows", release="7"))

    assert response.status_code == 422
    assert error_next_to(response, "release") == "Microsoft Windows 7 is already in the product list."
    assert reload(acme).name == "Acme Linux"


def test_an_unknown_product_is_not_found(client, officer):
    assert client.get("/assets/products/999999/edit").status_code == 404
    assert client.post("/assets/products/999999/edit", data=product_form(version="1")).status_code == 404
    assert client.post("/assets/products/999999/delete").status_code == 404


# --- deleting ------------------------------------------------------------------------------------------


def test_deleting_a_product_nobody_uses(client, officer):
    acme = product("Acme Linux", "9")
    assert "No item uses Acme Linux 9." in text_of(client.get(f"/assets/products/{acme.id}/edit"))

    response = client.post(f"/assets/products/{acme.id}/delete")

    assert response.status_code == 302 and response.headers["Location"] == "/assets/products"
    assert products_named("Acme Linux") == []
    entry, changes = only_entry("delete", "product", acme.id)
    assert entry.actor_id == officer.id and changes["name"] == ["Acme Linux", None]
    assert "Deleted Acme Linux 9 from the product list." in text_of(client.get("/assets/products"))


def test_a_product_in_use_is_not_deleted(client, officer):
    acme = product("Acme Linux", "9")
    item("PC-1", acme)

    response = client.post(f"/assets/products/{acme.id}/delete")

    assert response.status_code == 302 and response.headers["Location"] == f"/assets/products/{acme.id}/edit"
    assert "1 item(s) run Acme Linux 9: change them to another product first." in text_of(
        client.get(response.headers["Location"]))
    assert products_named("Acme Linux") == [acme] and audit_entries("delete", "product") == []


def test_deleting_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    with app.app_context():
        email = factories.make_user("security_officer").email
        acme_id = product("Acme Linux", "9").id
    token = factories.csrf_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})

    refused = browser.post(f"/assets/products/{acme_id}/delete")
    edit_page = browser.get(f"/assets/products/{acme_id}/edit").get_data(as_text=True)
    delete_form = re.search(r'<form method="post" action="/assets/products/\d+/delete".*?</form>', edit_page, re.S)
    done = browser.post(f"/assets/products/{acme_id}/delete",
                        data={"csrf_token": factories.csrf_token(delete_form.group(0))})

    assert refused.status_code == 400 and done.status_code == 302
    with app.app_context():
        assert db.session.get(Product, acme_id) is None
