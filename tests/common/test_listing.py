"""Paging, sorting and the links of list pages (app.common.listing)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.common.listing import DEFAULT_PER_PAGE, Listing, all_matching
from app.extensions import db

SORTS = {"when": AuditEntry.id, "action": AuditEntry.action}


@pytest.fixture
def entries(app):
    """45 entries: actions a0..a44 (a00, a01... so text order matches number order)."""
    for number in range(45):
        audit.record(f"a{number:02d}", "thing", number, summary=f"entry {number}")
    db.session.commit()
    return 45


def listing_for(app, query: str) -> Listing:
    with app.test_request_context(f"/audit/?{query}"):
        return Listing.from_request(sa.select(AuditEntry), sort_columns=SORTS, default_sort="when",
                                    tiebreaker=AuditEntry.id)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize(
    ("query", "expected_page"),
    [("page=2", 2), ("page=999", 2), ("page=abc", 1), ("page=0", 1), ("page=-3", 1), ("", 1)],
)
def test_page_number_is_clamped_to_the_pages_there_are(app, entries, query, expected_page):
    listing = listing_for(app, f"per_page=25&{query}")
    assert listing.pages == 2
    assert listing.page == expected_page
    first = 1 if expected_page == 1 else 26
    assert listing.first_index == first
    assert [e.summary for e in listing.items][0] == f"entry {first - 1}"


def test_last_page_holds_the_remainder(app, entries):
    listing = listing_for(app, "per_page=10&page=5")
    assert [e.summary for e in listing.items] == [f"entry {n}" for n in range(40, 45)]
    assert (listing.first_index, listing.last_index, listing.total) == (41, 45, 45)
    assert listing.has_prev and not listing.has_next


def test_empty_result_is_one_page_with_nothing_on_it(app):
    listing = listing_for(app, "page=3")
    assert (listing.page, listing.pages, listing.total, listing.items) == (1, 1, 0, [])
    assert (listing.first_index, listing.last_index) == (0, 0)
    assert not listing.has_prev and not listing.has_next


@pytest.mark.parametrize("per_page", ["7", "0", "-10", "lots", "1000"])
def test_per_page_outside_the_choices_falls_back_to_the_default(app, entries, per_page):
    listing = listing_for(app, f"per_page={per_page}")
    assert listing.per_page == DEFAULT_PER_PAGE
    assert len(listing.items) == DEFAULT_PER_PAGE


def test_per_page_from_the_choices_is_used(app, entries):
    listing = listing_for(app, "per_page=10")
    assert listing.per_page == 10 and len(listing.items) == 10 and listing.pages == 5


@pytest.mark.parametrize(("query", "sort", "direction"), [
    ("sort=nonsense", "when", "asc"), ("sort=entry_hash", "when", "asc"), ("dir=sideways", "when", "asc"),
    ("sort=action&dir=desc", "action", "desc"),
])
def test_unknown_sort_key_or_direction_falls_back_to_the_default(app, entries, query, sort, direction):
    listing = listing_for(app, query)
    assert (listing.sort, listing.direction) == (sort, direction)
    numbers = [int(e.entity_id) for e in listing.items]
    assert numbers == sorted(numbers, reverse=direction == "desc")


def test_export_selection_follows_the_sort_but_not_the_page(app, entries):
    with app.test_request_context("/audit/?sort=action&dir=desc&page=2&per_page=10"):
        rows = all_matching(sa.select(AuditEntry), sort_columns=SORTS, default_sort="when", tiebreaker=AuditEntry.id)
    assert [e.action for e in rows] == [f"a{n:02d}" for n in range(44, -1, -1)]


def _listing(page: int, pages: int) -> Listing:
    return Listing(endpoint="audit.index", args={}, page=page, per_page=10, sort="when", direction="asc",
                   total=pages * 10, items=[])


@pytest.mark.parametrize(("page", "pages", "expected"), [
    (1, 1, [1]),
    (1, 5, [1, 2, 3, 4, 5]),
    (6, 20, [1, None, 4, 5, 6, 7, 8, None, 20]),
    (1, 20, [1, 2, 3, None, 20]),
    (20, 20, [1, None, 18, 19, 20]),
    (4, 20, [1, 2, 3, 4, 5, 6, None, 20]),
    # A one-page gap shows the page: "…" would hide it in the same space.
    (5, 20, [1, 2, 3, 4, 5, 6, 7, None, 20]),
    (16, 20, [1, None, 14, 15, 16, 17, 18, 19, 20]),
])
def test_page_numbers_show_gaps_as_none(page, pages, expected):
    assert _listing(page, pages).page_numbers() == expected


def test_links_keep_the_filters(app, entries):
    with app.test_request_context("/audit/?who=thandi&action=login&from=&sort=action&dir=desc&per_page=10&page=2"):
        listing = Listing.from_request(sa.select(AuditEntry), sort_columns=SORTS, default_sort="when")
        page_link = listing.url_for_page(3)
        sort_link = listing.url_for_sort("action")
        other_sort_link = listing.url_for_sort("when")
        export_link = listing.url_for_export("csv")
    filters = {"who": "thandi", "action": "login", "per_page": "10"}
    assert urlsplit(page_link).path == "/audit/"
    assert query_of(page_link) == {**filters, "sort": "action", "dir": "desc", "page": "3"}
    # Sorting again by the same column flips the direction and goes back to the first page.
    assert query_of(sort_link) == {**filters, "sort": "action", "dir": "asc"}
    assert query_of(other_sort_link) == {**filters, "sort": "when", "dir": "asc"}
    assert query_of(export_link) == {**filters, "sort": "action", "dir": "desc", "export": "csv"}


@pytest.mark.parametrize("query", [
    "endpoint=core.index", "_method=POST", "_external=1&_scheme=javascript", "_anchor=top", "_scheme=ftp",
])
def test_parameters_named_like_url_for_arguments_cannot_change_the_links(app, entries, query):
    with app.test_request_context(f"/audit/?{query}"):
        listing = Listing.from_request(sa.select(AuditEntry), sort_columns=SORTS, default_sort="when")
        links = [listing.url_for_page(2), listing.url_for_sort("when"), listing.url_for_export("xlsx")]
    for link in links:
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == ("", "", "/audit/", "")
        assert query_of(link).items() >= dict(pair.split("=") for pair in query.split("&")).items()


def test_list_page_with_odd_parameters_still_opens(client, login_as):
    login_as("admin")
    response = client.get("/admin/users?endpoint=x&_method=POST&_external=1&_scheme=javascript")
    assert response.status_code == 200
    assert "javascript:" not in response.get_data(as_text=True)
