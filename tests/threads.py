"""Running test work in several threads at once, as several people would."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable


def run_together(work: Callable[[str], None], people: Iterable[str], timeout: float) -> None:
    """Start `work(person)` for everyone in a thread of their own, then wait for all of them;
    a thread still running after `timeout` seconds fails the test."""
    threads = [threading.Thread(target=work, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"


def post_at_once(app, url: str, forms: dict[str, dict], *, follow_redirects: bool = False) -> tuple[dict, dict]:
    """Each person (an e-mail of a factories user) signs in with a client of their own, then all
    post their form to `url` at the same moment. Returns their clients and responses; an exception
    in any request fails the test."""
    return post_each_at_once(app, {email: (email, url, form) for email, form in forms.items()},
                             follow_redirects=follow_redirects)


def post_each_at_once(app, posts: dict[str, tuple[str, str, dict]], *,
                      follow_redirects: bool = False) -> tuple[dict, dict]:
    """`posts` names each browser (a label) and what it posts: (e-mail of a factories user, url, form).
    One person may sign in twice (two tabs), and each may post to a page of their own (one compiles a
    pack while another records the minutes). Returns the clients and responses by label."""
    from tests import factories

    clients = {label: app.test_client() for label in posts}
    for label, client in clients.items():
        signed_in = client.post("/login", data={"email": posts[label][0], "password": factories.PASSWORD})
        assert signed_in.status_code == 302
    responses, problems = {}, []

    def post(label: str) -> None:
        _, url, form = posts[label]
        try:
            responses[label] = clients[label].post(url, data=form, follow_redirects=follow_redirects)
        except Exception as error:  # noqa: BLE001 - an exception is the finding
            problems.append(f"{label}: {type(error).__name__}: {error}")

    run_together(post, posts, timeout=60)
    assert problems == []
    return clients, responses


def hold_after(monkeypatch, *targets: tuple[object, str], people: int = 2, timeout: float = 2) -> None:
    """Make each (owner, name) of `targets` (a version check, the look-up of a row that must not exist
    yet: the read a write depends on) wait, once it has returned, until `people` requests have returned
    from one of them, or `timeout` seconds have passed; later calls (the page a redirect shows) go
    straight on. On PostgreSQL every request has then read before any writes, so the check-then-write
    race happens on every run, not now and then; on SQLite the others wait for the write lock the first
    took at its first statement, so the first goes on after `timeout`."""
    together = threading.Barrier(people)
    for owner, name in targets:
        monkeypatch.setattr(owner, name, _held(getattr(owner, name), together, timeout))


def _held(original: Callable, together: threading.Barrier, timeout: float) -> Callable:
    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        if not together.broken:
            with contextlib.suppress(threading.BrokenBarrierError):
                together.wait(timeout=timeout)
            together.abort()  # met, or given up: nobody waits again
        return result

    return held
