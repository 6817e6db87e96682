"""What the service starters share: where the local servers are, and what "not there" means.

Each starter (``PostgresDatabase``, ``RabbitMQVhost``, ``RedisDatabase``, ``SeaweedFS``) gives
one run a space of its own on a real server — a database, a virtual host, a database number,
a whole process — named so that two runs at the same time on one machine never meet, and
removes it afterwards. A server that cannot be used raises ``ServiceUnavailable`` with the
reason; the caller decides whether that is a skip (a laptop without RabbitMQ) or a failure
(``MEDIAMILL_REQUIRE_SERVICES=1``, as CI sets: ``require_services()``).

Where the servers are can be changed with these variables of the test harness (they are not
mediamill settings, and mediamill itself never reads them):

    MEDIAMILL_TEST_POSTGRES_URL  a PostgreSQL URL whose user may create databases
                                 (default: postgres@127.0.0.1:5432, then root@)
    MEDIAMILL_TEST_RABBITMQ_URL  a RabbitMQ URL without virtual host (amqp://guest:guest@127.0.0.1:5672)
    MEDIAMILL_TEST_REDIS_URL     a Redis URL without database number (redis://127.0.0.1:6379)
    MEDIAMILL_REQUIRE_SERVICES   1: a missing service is a failure, not a reason to skip
"""

from __future__ import annotations

import os
import re
import secrets

from mediamill.errors import MediamillError

POSTGRES_URL_VARIABLE = "MEDIAMILL_TEST_POSTGRES_URL"
RABBITMQ_URL_VARIABLE = "MEDIAMILL_TEST_RABBITMQ_URL"
REDIS_URL_VARIABLE = "MEDIAMILL_TEST_REDIS_URL"
REQUIRE_VARIABLE = "MEDIAMILL_REQUIRE_SERVICES"


class ServiceUnavailable(MediamillError):
    """A server a test or benchmark needs cannot be used here; the message says why."""


def require_services() -> bool:
    """Whether a missing service must fail the run (``MEDIAMILL_REQUIRE_SERVICES=1``)."""
    return os.environ.get(REQUIRE_VARIABLE) == "1"


def run_name(label: str) -> str:
    """A name for one run's space on a shared server: ``mediamill_LABEL_PID_RANDOM``.

    The process ID tells a person whose it is; the random part keeps two runs apart even
    when a container reuses PIDs. Lower case letters, digits and ``_`` only, at most 63
    characters (PostgreSQL's limit), so it is valid for every server.
    """
    clean = re.sub(r"[^a-z0-9_]+", "_", label.lower()).strip("_")[:30] or "run"
    return f"mediamill_{clean}_{os.getpid()}_{secrets.token_hex(4)}"
