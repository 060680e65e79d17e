"""gunicorn settings, from the environment (PORT, WEB_CONCURRENCY, WEB_THREADS)."""

import os

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"


def _cores() -> int:
    """The CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# The portal's requests are CPU-bound Python (files go through the proxy with X-Accel-Redirect,
# the database answers in a millisecond), so processes, not threads, are what serve a crowd:
# threads of one worker share one interpreter lock. Measured with bench/web.py on 2 cores, my
# map served 179-191 req/s with 3 workers x 4 threads and 216-250 with 4 workers x 1 thread; 5
# or 6 workers added nothing (README, Performance). gthread with one thread still keeps
# connections alive between requests.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores())
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 1)
# Restart workers now and then so a slow leak can never push one past its memory budget.
max_requests = 5000
max_requests_jitter = 500
timeout = 60
graceful_timeout = 20
accesslog = "-" if os.environ.get("ACCESS_LOG", "1") == "1" else None
wsgi_app = "rumahbelajar.wsgi:application"
# gunicorn 27's control socket lives in the home directory by default; two servers on one
# machine (make run and the bench, or a second checkout) would fight over it.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded the application: everything loaded so far (Django, the apps, the
    settings) lives as long as the worker, so the garbage collector stops scanning it (Python's
    advice for forking servers). Measured in-process: a full collection went from ~170 ms to
    ~30 ms, and the time spent in them per request on the map page from 0.19 to 0.03 ms."""
    import gc

    gc.freeze()
