"""Running test work in several threads at once, as several people would."""

from __future__ import annotations

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
