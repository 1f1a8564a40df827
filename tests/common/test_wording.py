"""How a count reads in a sentence (app/common/wording.py)."""

from __future__ import annotations

import pytest

from app.common.wording import counted


@pytest.mark.parametrize(("count", "noun", "plural", "said"), [
    (0, "risk", None, "0 risks"), (1, "risk", None, "1 risk"), (2, "risk", None, "2 risks"),
    (1, "interested party", "interested parties", "1 interested party"),
    (3, "interested party", "interested parties", "3 interested parties"),
])
def test_a_count_takes_the_singular_only_for_one(count, noun, plural, said):
    assert counted(count, noun, plural) == said
