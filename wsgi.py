"""The WSGI entry point: `gunicorn wsgi:app` (and `flask --app wsgi`)."""

import gc

from app import create_app

app = create_app()

# What start-up made (modules, routes, mappers, settings) lives as long as the worker. Frozen, it is
# left out of the collector's full passes, which otherwise walk all of it every few requests: with
# a large register that pause (~70-100 ms on 2 cores) was the slowest 5% of SoA page loads
# (benchmarks/README.md). Python's documentation recommends the same before forking workers.
gc.collect()
gc.freeze()
