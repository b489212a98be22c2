"""The logger eopayment writes to, pinned at INFO (issue 16).

At DEBUG eopayment logs every option it is given (the shop's keys among them), the string it
signs (which ends with the key) and the payer's request; zeep logs each SOAP message (the payer's
e-mail). Those loggers never go below INFO, whatever the project's logging settings say, and a
filter drops any DEBUG record that reaches them anyway (a level set back by a logging
configuration)."""

import logging

PROVIDER_LOGGER = "ribambelle.billing.payments.provider"
# eopayment's own module loggers and zeep's, which log outside the logger we hand over.
PINNED = (PROVIDER_LOGGER, "eopayment", "zeep")


class DropDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def pin() -> logging.Logger:
    """Pin the loggers (idempotent) and return the one to give eopayment."""
    for name in PINNED:
        pinned = logging.getLogger(name)
        pinned.setLevel(logging.INFO)
        if not any(isinstance(item, DropDebug) for item in pinned.filters):
            pinned.addFilter(DropDebug())
    return logging.getLogger(PROVIDER_LOGGER)


provider_logger = pin()
