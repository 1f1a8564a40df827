"""The heat maps: counts per cell of the current matrix, links to each cell's risks, filters,
risks on older versions, and the text alternative."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.risks import matrices, scoring, services
from tests import factories
from tests.pages import page_text
from tests.risks.test_list_views import ALLOWED_ROLES, listed


def table_of(text: str, kind: str) -> str:
    start = text.index(f"<caption>Number of risks per {kind} likelihood and impact")
    return text[start:text.index("</table>", start)]


def cell_links(text: str, kind: str) -> dict[str, int]:
    """href -> count, for each cell of the kind's table that holds risks."""
    return {href: int(count) for href, count in
            re.findall(r'<td><a href="([^"]+)">(\d+)<span class="visually-hidden"> risks?</span></a>',
                       table_of(text, kind))}


def svg_of(text: str, kind: str) -> str:
    start = text.index(f'<svg class="heatmap-svg" role="img" aria-labelledby="heatmap-{kind}-title')
    return text[start:text.index("</svg>", start)]


@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.fixture
def risks(make_risk, officer):
    """Four risks on the current matrix (one in another department), one closed, one on an
    older version of the same size."""
    dotp, doh = factories.make_department("DOTP"), factories.make_department("DOH")
    old = make_risk(title="Scored before the matrix changed", inherent=(5, 5), residual=(5, 5), department_id=dotp.id)
    matrices.save_new_version(scoring.default_matrix(5), change_note="Same bands, new version", actor=None)
    made = {
        "old": old,
        "a": make_risk(title="A", inherent=(4, 4), residual=(3, 3), department_id=dotp.id),
        "b": make_risk(title="B", inherent=(4, 4), residual=(3, 3), department_id=dotp.id),
        "c": make_risk(title="C", inherent=(4, 4), residual=(2, 1), department_id=doh.id),
        "unrated": make_risk(title="No residual yet", inherent=(2, 3), residual=None, department_id=dotp.id),
        "closed": make_risk(title="Closed one", inherent=(4, 4), residual=(3, 3), department_id=dotp.id),
    }
    services.close_risk(made["closed"], expected_version=made["closed"].version, reason="Gone", actor=officer)
    return {"dotp": dotp, "doh": doh, **made}


@pytest.mark.parametrize("role", ALLOWED_ROLES)
def test_every_role_with_risk_view_sees_the_heat_maps(client, login_as, risks, role):
    login_as(role)
    response = client.get("/risks/heatmap")
    assert response.status_code == 200
    assert "<h1 class=\"h3 mb-0\">Risk heat maps</h1>" in page_text(response)


def test_hr_officers_may_not_see_the_heat_maps(client, login_as):
    login_as("hr_officer")
    assert client.get("/risks/heatmap").status_code == 403


def test_cells_count_the_risks_on_the_current_matrix_and_older_ones_of_its_size(client, admin, risks):
    text = page_text(client.get("/risks/heatmap"))
    current = matrices.current_matrix().id
    inherent = cell_links(text, "inherent")
    assert inherent == {
        f"/risks?matrix={current}&inherent_likelihood=5&inherent_impact=5": 1,
        f"/risks?matrix={current}&inherent_likelihood=4&inherent_impact=4": 3,
        f"/risks?matrix={current}&inherent_likelihood=2&inherent_impact=3": 1,
    }
    residual = cell_links(text, "residual")
    assert residual == {
        f"/risks?matrix={current}&residual_likelihood=5&residual_impact=5": 1,
        f"/risks?matrix={current}&residual_likelihood=3&residual_impact=3": 2,
        f"/risks?matrix={current}&residual_likelihood=2&residual_impact=1": 1,
    }
    # Each link lists exactly the risks its cell counts.
    for links in (inherent, residual):
        for href, count in links.items():
            assert len(listed(client.get(href))) == count
    assert listed(client.get(f"/risks?matrix={current}&residual_likelihood=3&residual_impact=3")) == [
        risks["a"].reference, risks["b"].reference]
    assert "5 risks on matrix version 2 (1 scored on an older version with the same levels)." in text  # inherent
    assert ("4 risks on matrix version 2 (1 scored on an older version with the same levels); 1 without a residual "
            "rating is not shown.") in text


def test_the_svg_draws_the_same_counts_with_band_colours(client, admin, risks):
    text = page_text(client.get("/risks/heatmap"))
    svg = svg_of(text, "residual")
    current = matrices.current_matrix().id
    # The cell 3×3 (score 9, Medium) holds 2.
    assert re.search(r'<rect class="heatmap-cell" x="343" y="137" [^>]*fill="#f9a825"/>\s*'
                     r'<text class="heatmap-score"[^>]*>9</text>\s*<text class="heatmap-count"[^>]*>2</text>', svg)
    assert svg.count('class="heatmap-count"') == 3
    assert "<a " not in svg  # an image holds no links: they are laid over it, for the mouse only
    overlay = text[text.index('<svg class="heatmap-links" aria-hidden="true"', text.index(svg)):]
    overlay = overlay[:overlay.index("</svg>")]
    assert overlay.count("<a ") == 3
    assert re.search(rf'<a href="/risks\?matrix={current}&residual_likelihood=3&residual_impact=3" tabindex="-1">'
                     r'<title>2 risks: likelihood 3 × impact 3 \(Medium\)</title><rect x="343" y="137" ', overlay)
    assert svg.count("<rect ") == 25
    # Axis labels come from the matrix's levels.
    for label in ("Rare", "Almost certain", "Insignificant", "Catastrophic", "Likelihood", "Impact"):
        assert f">{label}</" in svg
    assert "<title id=\"heatmap-residual-title\">Residual heat map, matrix version 2</title>" in svg
    assert "4 in all:\n      Low 1, Medium 2, High 0, Critical 1." in svg
    assert "style=" not in text


def test_the_table_alternative_has_a_caption_and_headers(client, admin, risks):
    table = table_of(page_text(client.get("/risks/heatmap")), "inherent")
    assert table.count('<th scope="col">') == 5
    assert table.count('<th scope="row" class="text-start">') == 5
    assert table.index("Likelihood 5") < table.index("Likelihood 1")  # the highest likelihood on top
    assert table.count("<td>0<br>") == 22


def test_risks_on_an_older_version_of_the_same_size_are_drawn_and_named(client, admin, risks):
    text = page_text(client.get("/risks/heatmap"))

    assert ("1 risk on these maps is scored on an older matrix version with the same levels: each sits in its cell, "
            "coloured here by version 2's bands") in text
    assert '<a class="alert-link" href="/risks/reband">Confirm their ratings on version 2</a>' in text
    assert "not on these maps" not in text
    assert "older matrix version" not in page_text(client.get(f"/risks/heatmap?department={risks['doh'].id}"))


def test_only_those_who_may_reband_are_offered_the_link(client, login_as, risks):
    login_as("auditor")

    text = page_text(client.get("/risks/heatmap"))

    assert "scored on an older matrix version with the same levels" in text and "/risks/reband" not in text


def test_risks_on_a_matrix_of_another_size_are_counted_and_linked_not_drawn(client, admin, risks, make_risk):
    matrices.save_new_version(scoring.default_matrix(4), change_note="4×4", actor=None)
    db.session.commit()

    text = page_text(client.get("/risks/heatmap"))

    assert "5 risks matching these filters are scored on a matrix of another size and are not on these maps" in text
    assert '<a class="alert-link" href="/risks?older_matrix=1">List the risks to re-score</a>' in text
    assert "inherent_likelihood=5&inherent_impact=5" not in text
    assert "0 risks on matrix version 3." in text


def test_filters_narrow_the_heat_maps_and_travel_with_the_links(client, admin, risks):
    doh = risks["doh"].id
    text = page_text(client.get(f"/risks/heatmap?department={doh}&band=High&inherent_likelihood=2"
                                f"&inherent_impact=3"))
    current = matrices.current_matrix().id
    # band and cell parameters belong to the list; the heat map draws every cell.
    assert cell_links(text, "inherent") == {
        f"/risks?department={doh}&matrix={current}&inherent_likelihood=4&inherent_impact=4": 1}
    assert f'<option value="{doh}" selected>' in text
    assert f'href="/risks?department={doh}"><i class="bi bi-list-ul"' in text
    assert listed(client.get(f"/risks?department={doh}&matrix={current}&inherent_likelihood=4"
                             f"&inherent_impact=4")) == [risks["c"].reference]


def test_the_status_filter_can_bring_closed_risks_back(client, admin, risks):
    current = matrices.current_matrix().id
    assert cell_links(page_text(client.get("/risks/heatmap?status=all")), "inherent")[
        f"/risks?status=all&matrix={current}&inherent_likelihood=4&inherent_impact=4"] == 4
    assert cell_links(page_text(client.get("/risks/heatmap?status=closed")), "inherent") == {
        f"/risks?status=closed&matrix={current}&inherent_likelihood=4&inherent_impact=4": 1}


def test_the_list_links_to_the_heat_maps_with_its_filters(client, admin, risks):
    text = page_text(client.get(f"/risks?department={risks['dotp'].id}&band=High&sort=title"))
    assert f'href="/risks/heatmap?department={risks["dotp"].id}"' in text


@pytest.mark.parametrize("query", ["department=abc", "owner=-1", "status=nonsense", "category=99999999999999999",
                                   "q=%00", "page=abc"])
def test_bad_query_values_are_ignored(client, admin, risks, query):
    response = client.get("/risks/heatmap?" + query)
    assert response.status_code == 200
    assert sum(cell_links(page_text(response), "inherent").values()) == 5


def test_an_empty_register_shows_empty_maps(client, admin):
    text = page_text(client.get("/risks/heatmap"))
    assert "0 risks on matrix version 1." in text
    assert cell_links(text, "residual") == {}
