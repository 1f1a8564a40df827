"""The garbage collector's set-up for a long-running process (wsgi.py, the benchmark)."""

import gc

from app.core.memory import YOUNG_GENERATION_THRESHOLD, settle_long_lived_process


def test_a_worker_freezes_what_start_up_made_and_collects_young_objects_less_often():
    before = gc.get_threshold()
    try:
        settle_long_lived_process()

        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)

