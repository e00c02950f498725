"""Production web server settings: ``gunicorn -c python:assetmap.web.gunicorn_conf``.

Several worker processes, each with a few threads, behind a reverse proxy (nginx, a cloud load
balancer) that terminates HTTPS. Each worker makes its own app (no ``preload_app``): database
connection pools and the search snapshot must not be shared across a fork. Settings come from the
environment as for every assetmap command (``DATABASE_URL``, ``SECRET_KEY``, ``ASSETMAP_*``);
anything here can be overridden on the command line or in ``GUNICORN_CMD_ARGS``
(e.g. ``--bind 0.0.0.0:8000 --workers 8``). See deploy/ for a systemd unit and an nginx snippet.
"""

import multiprocessing

wsgi_app = "assetmap.web:create_app()"
bind = "127.0.0.1:8000"                        # only the proxy on this machine talks to it; --bind to change
workers = multiprocessing.cpu_count() * 2      # search is CPU work in numpy: about two per core
worker_class = "gthread"
threads = 4                                    # threads wait on the database without holding a whole process
timeout = 120                                  # an admin's spreadsheet upload runs its ingest inside the request
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so memory cannot creep for months, but seldom: a new worker reads the index
# snapshot (or, on PostgreSQL, the filter columns: seconds per 100,000 activities) before its searches are quick.
max_requests = 200_000
max_requests_jitter = 20_000
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"              # assetmap trusts X-Forwarded-* itself through ASSETMAP_PROXY_COUNT


def post_worker_init(worker):
    """Once the worker has made its app: what it holds then leaves the garbage collector's scans (``gc.freeze``).

    Python's full collections looked at every object of the process (modules, the app, SQLAlchemy's
    and Jinja's caches) and stopped all of a worker's threads for up to a tenth of a second or more,
    a few times a minute: most of bench/load.py's p99 (315 and 205 ms without, 127 and 169 ms with,
    same run). Frozen objects are still freed when nothing refers to them; only their cycles are not
    looked for, and the app's start-up objects live as long as the worker.

    What the worker keeps later (its held table, kept records, pages and map points) grew the
    same way: 29 full collections of 100-490 ms in four workers over three minutes of
    bench/load.py (measured with ``gc.callbacks``). So what survives a full collection is frozen
    too (``_freeze_survivors``): the next one looks only at what is newer.
    """
    import gc

    gc.freeze()
    gc.callbacks.append(_freeze_survivors)


def _freeze_survivors(phase, info):
    """After a full collection, freeze what survived it: it is in use (caches, the held table), and is freed when dropped."""
    if phase == "stop" and info["generation"] == 2:
        import gc

        gc.freeze()


def worker_exit(server, worker):
    """A stopping worker writes the page views it counted but has not written yet (``assetmap/web/use_counts.py``)."""
    from assetmap.web.use_counts import flush_all

    flush_all()
