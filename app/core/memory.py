"""How a long-running Khusela process (a gunicorn worker) sets up Python's garbage collector.

A page that lists many records makes tens of thousands of short-lived objects. With the default
settings the collector runs every 700 new objects, so part of what a request is still using gets
promoted to the older generations; every few requests that sets off a full pass over everything
the process holds, a 30–40 ms pause on 2 cores once the caches are warm, which made the slowest
5% of the large pages (benchmarks/README.md). Most of a request's objects are freed by reference
counting when it ends, without the collector.
"""

import gc

# New objects between young collections: a request's garbage is mostly gone before one runs, and
# the cycles that do pile up meanwhile are a few megabytes at most.
YOUNG_GENERATION_THRESHOLD = 10_000


def settle_long_lived_process() -> None:
    """Call once start-up is done (the app created), before serving requests."""
    gc.collect()
    # What start-up made (modules, routes, mappers, settings) lives as long as the process: frozen,
    # the full passes no longer walk it. Python's documentation recommends the same before forking.
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
