
"""The portfolio per year and the sites table: counts, groups, the undecided, the net result; and
their pages."""

from __future__ import annotations

import pytest

from app.assets import services, summaries
from app.assets.models import Disposition, DispositionGroup, LinkSpeed, SiteType
from tests.assets.test_views import make
from tests.pages import text_of

# 2022 as in the provincial deck, scaled down: Add, Keep, Change, Assess, Reduce and undecided.
DECISIONS_2022 = ["planned", "planned", "maintain", "retain", "sustain", "replace", "evaluate", "retire", None, None]
DECISIONS_2023 = ["maintain", "maintain", "maintain", "enhance", "replatform", None, "consolidate", "retire",
                  "retire", "retire"]


@pytest.fixture
def portfolio(app):
    applications = [make(f"APP-{n:03}", f"Application {n}", "application") for n in range(10)]
    make("PC-1")  # not an application: not counted
    for application, first, second in zip(applications, DECISIONS_2022, DECISIONS_2023, strict=True):
        for year, decision in ((2022, first), (2023, second)):
            if decision:
                services.set_disposition(application, year, decision, actor=None)
    return applications


def test_each_year_counts_dispositions_groups_the_undecided_and_the_net_result(portfolio):
    y2022, y2023 = summaries.portfolio()

    assert (y2022.year, y2022.applications, y2022.decided, y2022.blank) == (2022, 10, 8, 2)
    assert [y2022.group_count(group) for group in DispositionGroup] == [2, 3, 1, 1, 1]
    assert y2022.count(Disposition.PLANNED) == 2 and y2022.share(2) == 20
    assert y2022.net == 1  # 2 added - 1 reduced
    assert (y2023.blank, y2023.group_count(DispositionGroup.REDUCE), y2023.net) == (1, 4, -4)


def test_shares_are_whole_per_cents_halves_up_and_a_group_adds_its_shares_as_the_deck_does():
    year = summaries.PortfolioYear(2022, 450, {Disposition.ENHANCE: 30, Disposition.REPLACE: 2,
                                               Disposition.REPLATFORM: 2})

    assert [year.share(n) for n in (30, 2, 34, 269)] == [7, 0, 8, 60]  # 6.7, 0.4, 7.6 and 59.8 %
    assert year.group_share(DispositionGroup.CHANGE) == 7  # 7 + 0 + 0, as the deck's 2022 Change
    assert year.group_count(DispositionGroup.CHANGE) == 34  # Enhance/Invest is a change, as in the deck
    assert summaries.PortfolioYear(2022, 8).share(1) == 13  # 12.5 %: up, as a spreadsheet rounds
    assert summaries.PortfolioYear(2022, 0).share(0) == 0


def test_no_decision_yet_is_an_empty_portfolio(app):
    make("APP-001", kind="application")

    assert summaries.portfolio() == []


def test_the_portfolio_page_shows_the_table_and_a_described_chart(login_as, client, portfolio):
    login_as("auditor")

    response = client.get("/assets/portfolio")
    page, html = text_of(response), response.get_data(as_text=True)

    assert "Add Planned/In Dev 2 20% 0 0%" in page
    assert "Reduce total 1 10% 4 40%" in page
    assert "Blank (undecided) 2 20% 1 10%" in page
    assert "Net result (added − reduced) +1 -4" in page
    assert 'role="img" aria-labelledby="portfolio-chart-title portfolio-chart-desc"' in html
    assert "<title>2023 Reduce: 4</title>" in html


def test_the_sites_table_counts_type_by_link_speed_with_totals(login_as, client, app):
    for n, (kind, speed) in enumerate([("school", "1gbps"), ("school", "1gbps"), ("school", "100mbps"),
                                       ("health_facility", "10mbps"), ("library", None)]):
        make(f"SITE-{n}", kind="site", site_type=kind, link_speed=speed)

    table = summaries.sites_table()

    assert table.count(SiteType.SCHOOL, LinkSpeed.GBPS_1) == 2 and table.type_total(SiteType.SCHOOL) == 3
    assert table.speed_total(None) == 1 and table.total == 5 and table.speeds[-1] is None
    login_as("security_officer")
    page = text_of(client.get("/assets/sites"))
    assert "School 0 1 2 0 0 3" in page
    assert "Total 1 1 2 0 1 5" in page


@pytest.mark.parametrize("url", ["/assets/portfolio", "/assets/sites"])
def test_only_viewers_of_the_cmdb(login_as, client, url):
    login_as("hr_officer")
    assert client.get(url).status_code == 403
    login_as("risk_owner")
    assert client.get(url).status_code == 200
