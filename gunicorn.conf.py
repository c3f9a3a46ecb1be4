"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden with the usual GUNICORN_CMD_ARGS or the variables below.
"""

import os

bind = os.environ.get("CASEFLOW_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CASEFLOW_WEB_WORKERS", "2"))
threads = int(os.environ.get("CASEFLOW_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
keepalive = 5
# Behind a reverse proxy that terminates TLS; it must set X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("CASEFLOW_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
limit_request_line = 8190
