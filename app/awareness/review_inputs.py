"""The awareness section of a management review pack (9.3.2 d 2, monitoring and measurement: the
awareness programme of 7.3 and A.6.3): the campaigns held since the previous review and their completion
rates as of the review's date. Named in app.reviews.inputs.PROVIDERS and called when a pack is compiled.

Completions are dated, so they count up to the date; the audience, like the employee register it comes
from, is counted as it stood when the pack was compiled (the note says so)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from app.awareness import queries, services
from app.reviews.inputs import ROWS_LISTED, figure, table


def campaigns_for_review(as_of: date, since: date) -> dict | None:
    held = queries.campaigns_in_period(since + timedelta(days=1), as_of)
    held = [campaign for campaign in held if campaign.starts_on <= as_of]
    if not held:
        return None
    target = services.target_rate()
    by_department = queries.rates_by_department(held, up_to=as_of)
    ended = [campaign for campaign in held if campaign.ends_on <= as_of]
    rows, below = [], 0
    for campaign in held:
        rate = sum(by_department[campaign.id].values(), queries.NO_RATE)
        if campaign.ends_on > as_of:
            standing = "running on the date"
        elif rate.percent >= target:
            standing = "on target"
        else:
            standing, below = "below target", below + 1
        rows.append([f"{campaign.reference} {campaign.topic}", campaign.channel_enum.label,
                     campaign.starts_on.isoformat(), campaign.ends_on.isoformat(), rate.audience, rate.done,
                     rate.percent, standing])
    per_department: dict[int | None, queries.Rate] = defaultdict(lambda: queries.NO_RATE)
    for campaign in ended:
        for department_id, rate in by_department[campaign.id].items():
            per_department[department_id] += rate
    names = queries.departments_by_id(per_department)
    department_rows: list[list] = [[names[d].code if d in names else "No department", rate.audience, rate.done,
                                    rate.percent] for d, rate in sorted(
        per_department.items(), key=lambda item: names[item[0]].code if item[0] in names else "~")]
    overall = sum(per_department.values(), queries.NO_RATE)
    return {"figures": [figure("campaigns", "Awareness campaigns held since the previous review", len(held)),
                        figure("campaigns_ended", "Of them ended by the date", len(ended)),
                        figure("completion_rate", "Completion rate of the campaigns ended (%)", overall.percent),
                        figure("below_target", f"Ended below the target of {target}%", below)],
            "tables": [table("campaigns", "Each campaign held, with its completion rate on the date",
                             ["Campaign", "Channel", "Starts", "Ends", "Audience", "Completed or attended", "%",
                              "Against the target"], rows[:ROWS_LISTED], kind="items",
                             more=max(0, len(rows) - ROWS_LISTED)),
                       table("departments", "Completion of the campaigns ended, by department",
                             ["Department", "Audience", "Completed or attended", "%"], department_rows)],
            "note": "Completions and attendances recorded for a day on or before the date, from the awareness and "
                    "training register; each campaign's audience is the employees employed in its departments and "
                    "roles when the pack was compiled."}
