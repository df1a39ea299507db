"""gunicorn's settings for the web service (docker-compose.yml). The bind address is on
the command line; the number of workers is WEB_CONCURRENCY (gunicorn's own variable)."""

import os

from portal.logs import logging_config

workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# nginx writes the access log (JSON, with the request id); gunicorn's own events are
# logged as the portal's are.
accesslog = None
logconfig_dict = logging_config(
    log_format=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO")
)
logconfig_dict["loggers"]["gunicorn.error"] = {"handlers": ["console"], "propagate": False}
