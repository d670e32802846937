"""gunicorn configuration for `make serve`.

The access log never holds an address, a user agent or a referrer (the format
below names none of them); cryptoparty/core/log_masking.py masks ticket codes,
volunteer tokens and any client address gunicorn itself writes ("Invalid request
from ip=..."). tests/privacy/test_no_trace.py runs this file under load.

Rate limits are counted per client in Flask-Limiter's storage. In memory (no
REDIS_URL) each worker process would count on its own, so a client would get
every limit once per worker: without shared storage the server runs ONE worker
(with more threads) by default, and refuses to start when several workers are
asked for explicitly (CRYPTOPARTY_WORKERS). tests/privacy/test_rate_limit_workers.py
checks both, and the limits across two workers sharing Redis.
"""

import multiprocessing
import os
import sys

bind = os.environ.get("CRYPTOPARTY_BIND", "127.0.0.1:8000")
_workers_asked = os.environ.get("CRYPTOPARTY_WORKERS")
workers = int(_workers_asked or min(4, multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("CRYPTOPARTY_THREADS", 2))
timeout = 60
# Web workers never run `flask db`: they leave Flask-Migrate and Alembic unloaded (issue 19).
os.environ.setdefault("CRYPTOPARTY_MIGRATIONS_CLI", "false")
forwarded_allow_ips = os.environ.get("CRYPTOPARTY_FORWARDED_ALLOW_IPS", "127.0.0.1")


def _rate_limits_shared() -> bool:
    # The configuration as the workers will read it: defaults, instance/config.py, environment.
    from cryptoparty import configured_app, rate_limits_shared
    return rate_limits_shared(configured_app().config)


if workers > 1 and not _rate_limits_shared():
    if _workers_asked:
        sys.exit(
            f"cryptoparty: refusing to start {workers} workers with rate limits in each "
            "worker's memory: a client would get every limit once per worker. Set REDIS_URL "
            "(shared limits), or CRYPTOPARTY_WORKERS=1 with more CRYPTOPARTY_THREADS.")
    # The default: one process, as many threads as the workers would have had.
    print(f"cryptoparty: no REDIS_URL, so one worker with {workers * threads} threads "
          "(rate limits are kept in its memory); set REDIS_URL for several workers.",
          file=sys.stderr)
    threads, workers = workers * threads, 1

# Method, path (masked), status, size and duration: nothing about the person.
accesslog = os.environ.get("CRYPTOPARTY_ACCESS_LOG", "-")
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = os.environ.get("CRYPTOPARTY_ERROR_LOG", "-")
# Masks /tickets/<code> and /volunteers/<token> in the access and error logs.
logger_class = "cryptoparty.core.log_masking.GunicornLogger"

# gunicorn 25+ opens a control socket in $HOME shared by every server on the
# machine; the platform does not use it.
control_socket_disable = True

# A worker that rendered a PDF (kits, poster, report, record of processing) holds
# WeasyPrint and its fonts: about 200 MiB instead of 80 MiB. It finishes the
# requests it holds and exits; the arbiter starts a fresh worker in its place
# (issue 19: worker memory). The PDFs themselves are cached on disk, so a second
# download does not render (nor recycle) again.
def post_request(worker, _req, _environ, _resp):
    import sys

    if "weasyprint" in sys.modules and worker.alive:
        worker.log.info("worker %s rendered a PDF: recycled to give its memory back", worker.pid)
        worker.alive = False
