"""gunicorn's production settings: `gunicorn -c gunicorn.conf.py config.wsgi`.

Each value below can be changed with the environment variable named beside it, and a
command-line flag (`--workers 4`) wins over both. The figures behind the defaults are in
docs/reliability.md ("Uploads and gunicorn's settings").
"""

import os


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers, one request each. Measured against gthread: threads served a CPU-bound
# page no faster; two uploads landed in one process and added up their memory; and the
# timeout cannot stop a thread, so a runaway request went on. More processes than CPUs
# keep a quick page quick while slow ones (uploads) hold a worker each.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = _env_int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1)
threads = _env_int("GUNICORN_THREADS", 1)

# The slowest request we accept (the largest upload) takes a few seconds; a worker silent
# for longer than this is stuck, and gunicorn replaces it.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Restart each worker after about this many requests, so whatever a worker has grown to
# goes back to the system; the jitter keeps the workers from restarting together. A new
# worker costs about 0.75 s of CPU (importing Django and the app) and refills its page
# and catalog copies: at ~10 ms a request, 1,000 would spend 7% of the CPU on restarts.
# 0 turns it off.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 500)

# The heartbeat file each worker touches: in memory, so a slow disk cannot make gunicorn
# think a worker is stuck.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# One line per request on standard output ("" turns it off): the client, the request, the
# status, bytes sent, milliseconds taken, and the request id that the app's own log lines
# carry (config/middleware.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s" id=%({x-request-id}o)s'
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    """In each worker: hand freed image memory back to the system at once.

    glibc raises its mmap threshold after the first large block is freed, so the tens of
    megabytes an image takes are then served from the heap and mostly kept after the
    request: a worker stays at its largest upload's size. A fixed threshold keeps large
    blocks in mmap, which free() returns. (Not glibc: nothing to do.)
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(-3, 4 * 1024 * 1024)  # M_MMAP_THRESHOLD: 4 MB
