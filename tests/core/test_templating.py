"""Helpers every template can use."""

from __future__ import annotations

import pytest
from flask import url_for

from app.core.templating import link_to


@pytest.mark.parametrize(("endpoint", "argument", "value"), [
    ("risks.detail", "risk_id", 42), ("controls.detail", "control_id", 2_147_483_647), ("soa.edit", "control_id", 1),
])
def test_a_link_builder_gives_what_url_for_gives(app, endpoint, argument, value):
    with app.test_request_context():
        assert link_to(endpoint, argument)(value) == url_for(endpoint, **{argument: value})


def test_a_link_builder_takes_only_numbers(app):
    with app.test_request_context():
        build = link_to("risks.detail", "risk_id")
        with pytest.raises(ValueError):
            build("1/../admin")
