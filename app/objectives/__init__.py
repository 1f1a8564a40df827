"""Information-security objectives and their measurement (ISO/IEC 27001:2022 clauses 6.2 and 9.1).

An objective says what will be done, with what resources, by whom, by when and how its results are
evaluated; its status over time is a dated history (models.ObjectiveStatusChange). A metric says
what is measured, how, how often, by whom and against which target; its measurements are recorded
by hand, or computed from Khusela's own registers by a named computation (computations.py, a
registry of name -> function(as_of) -> value) that the scheduler's `measurements` job records once
per period (measuring.py). The trend chart of a metric is SVG drawn on the server (charts.py), with
a table of the same values beside it. Pages under /objectives on the "objectives" blueprint.
"""
