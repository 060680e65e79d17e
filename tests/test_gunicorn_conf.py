"""gunicorn.conf.py: what a worker does once it has loaded the application."""

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_a_loaded_worker_hides_what_it_loaded_from_the_garbage_collector():
    hooks = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        hooks["post_worker_init"](object())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
