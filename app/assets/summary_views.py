"""The applications portfolio per year (as reported, where a year's table was, beside the CMDB's
counts), the connected sites by type and link speed, and the device profile catalogue."""

from __future__ import annotations

from flask import render_template

from app.assets import profiles, summaries
from app.assets.models import DISPOSITION_GROUPS, DispositionGroup
from app.assets.views import bp
from app.auth.permissions import ASSET_VIEW, permission_required

# One colour per group on the chart (contrast at least 3:1 on white), and grey for undecided.
GROUP_COLOURS = {DispositionGroup.ADD: "#2e7d32", DispositionGroup.KEEP: "#1565c0",
                 DispositionGroup.CHANGE: "#b45309", DispositionGroup.ASSESS: "#6a1b9a",
                 DispositionGroup.REDUCE: "#c62828"}
BLANK_COLOUR = "#757575"


@bp.get("/portfolio")
@permission_required(ASSET_VIEW)
def portfolio():
    table = summaries.portfolio_as_reported()
    return render_template("assets/portfolio.html", table=table, years=table.columns, groups=DISPOSITION_GROUPS,
                           colours=GROUP_COLOURS, blank_colour=BLANK_COLOUR,
                           chart=_chart([column.counted for column in table.columns]))


@bp.get("/sites")
@permission_required(ASSET_VIEW)
def sites():
    return render_template("assets/sites.html", table=summaries.sites_table())


@bp.get("/profiles", endpoint="profiles")
@permission_required(ASSET_VIEW)
def profiles_page():
    return render_template("assets/profiles.html", catalogue=profiles.catalogue())


def _chart(years: list[summaries.PortfolioYear]) -> dict:
    """Stacked bars, one per year: each group's share of the applications, then the undecided."""
    bar_width, gap, height, left, top = 80, 48, 240, 48, 16
    bars, labels = [], []
    for index, year in enumerate(years):
        x = left + gap / 2 + index * (bar_width + gap)
        y: float = top + height  # the bottom of the bar; each part stacks above the last
        parts = [(group.value, year.group_count(group), GROUP_COLOURS[group]) for group in DispositionGroup]
        for label, count, colour in [*parts, ("Undecided", year.blank, BLANK_COLOUR)]:
            part_height = height * count / year.applications if year.applications else 0
            y -= part_height
            if count:
                bars.append({"x": x, "y": round(y, 1), "width": bar_width, "height": round(part_height, 1),
                             "fill": colour, "label": f"{year.year} {label}: {count}"})
        labels.append({"x": x + bar_width / 2, "y": top + height + 18, "text": str(year.year)})
    return {"width": left + len(years) * (bar_width + gap), "height": top + height + 28, "bars": bars,
            "labels": labels, "top": top, "plot_height": height, "left": left}
