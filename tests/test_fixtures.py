"""The fixtures behave like separate browsers and sessions, as production requests do."""


def test_login_as_twice_switches_the_signed_in_user(client, login_as):
    login_as("auditor")
    assert client.get("/admin/").status_code == 403
    login_as("admin")
    assert client.get("/admin/").status_code == 200


def test_two_clients_are_two_separate_sessions(app, client, login_as):
    login_as("admin")
    other = app.test_client()
    response = other.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
