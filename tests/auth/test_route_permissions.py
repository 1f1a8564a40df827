"""Every route declares a permission, and every role without it is refused."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.auth.models import Role
from app.auth.permissions import PUBLIC, ROLE_PERMISSIONS

_APP = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
UNGUARDED_ENDPOINTS = {"static"}


def _sample_argument(match: re.Match) -> str:
    """A value the converter accepts: the first choice of any(...), else 1."""
    converter, arguments = match.group(1), match.group(2)
    return arguments.split(",")[0].strip() if converter == "any" else "1"


def _routes():
    for rule in _APP.url_map.iter_rules():
        if rule.endpoint in UNGUARDED_ENDPOINTS:
            continue
        view = _APP.view_functions[rule.endpoint]
        method = "GET" if "GET" in rule.methods else "POST"
        url = re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>", _sample_argument, rule.rule)
        yield rule.endpoint, url, method, getattr(view, "required_permission", None)


ROUTES = sorted(set(_routes()))
GUARDED = [route for route in ROUTES if route[3] != PUBLIC]


def test_every_route_declares_a_known_permission():
    undeclared = [endpoint for endpoint, _, _, permission in ROUTES if permission is None]
    assert not undeclared, f"routes without @permission_required or @public: {undeclared}"
    unknown = [(e, p) for e, _, _, p in ROUTES if p not in ROLE_PERMISSIONS and p != PUBLIC]
    assert not unknown, f"routes naming a permission missing from ROLE_PERMISSIONS: {unknown}"


def test_only_sign_in_and_health_are_public():
    public = {endpoint for endpoint, _, _, permission in ROUTES if permission == PUBLIC}
    assert public == {"auth.login", "auth.second_factor", "core.health"}


@pytest.mark.parametrize(("endpoint", "url", "method", "permission"), GUARDED, ids=[r[0] for r in GUARDED])
def test_anonymous_user_is_sent_to_sign_in(client, endpoint, url, method, permission):
    response = client.open(url, method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


FORBIDDEN = [
    (endpoint, url, method, role.value)
    for endpoint, url, method, permission in GUARDED
    for role in Role
    if role not in ROLE_PERMISSIONS[permission]
]


@pytest.mark.parametrize(("endpoint", "url", "method", "role"), FORBIDDEN, ids=[f"{r[0]}-{r[3]}" for r in FORBIDDEN])
def test_role_without_the_permission_gets_403(client, login_as, endpoint, url, method, role):
    login_as(role)
    response = client.open(url, method=method)
    assert response.status_code == 403
    assert b"Not allowed" in response.data


ALLOWED_GET = [
    (endpoint, url, role.value)
    for endpoint, url, method, permission in GUARDED
    if method == "GET" and "1" not in url.split("/")
    for role in Role  # in the enum's order, not the set's: every xdist worker must collect the same list
    if role in ROLE_PERMISSIONS[permission]
]


# GET routes that answer with a page of their own: the register reports queue the PDF and send the
# user to its being-prepared page (app.reports.prepared).
REDIRECTED_TO = {"reports.risk_register": "/reports/documents/", "reports.treatment_plan": "/reports/documents/",
                 "reports.asset_register": "/reports/documents/", "reports.acceptance_register": "/reports/documents/",
                 "reports.objectives": "/reports/documents/",
                 "reports.isms_context": "/reports/documents/", "reports.awareness": "/reports/documents/",
                 # Without a draft of the scope statement, its pages send the user to the scope page.
                 "context.edit_draft": "/context/scope", "context.issue_draft": "/context/scope",
                 "reports.nonconformities": "/reports/documents/", "reports.suppliers": "/reports/documents/",
                 "reports.incidents": "/reports/documents/", "reports.continuity": "/reports/documents/"}


@pytest.mark.parametrize(("endpoint", "url", "role"), ALLOWED_GET, ids=[f"{r[0]}-{r[2]}" for r in ALLOWED_GET])
def test_role_with_the_permission_opens_the_page(client, login_as, endpoint, url, role):
    login_as(role)
    response = client.get(url)
    if endpoint in REDIRECTED_TO:
        assert response.status_code == 303 and REDIRECTED_TO[endpoint] in response.location
        response = client.get(response.location)
    assert response.status_code == 200
