"""Helpers for testing code that uses mediamill: synthetic media made on the spot, and real
servers started for one run — an S3 server (SeaweedFS), a PostgreSQL database, a RabbitMQ
virtual host, a Redis database number — each in a space of its own, removed afterwards.
Their pytest fixtures are in ``mediamill.testing.pytest_plugin``."""

from mediamill.testing.media import encode_audio, write_audio, write_video
from mediamill.testing.postgresql import PostgresDatabase
from mediamill.testing.processes import child_env, free_ports, tail
from mediamill.testing.rabbitmq import RabbitMQVhost
from mediamill.testing.redis_db import RedisDatabase
from mediamill.testing.seaweedfs import SeaweedFS, SeaweedFSError
from mediamill.testing.services import ServiceUnavailable, require_services

__all__ = [
    "PostgresDatabase",
    "RabbitMQVhost",
    "RedisDatabase",
    "SeaweedFS",
    "SeaweedFSError",
    "ServiceUnavailable",
    "child_env",
    "encode_audio",
    "free_ports",
    "require_services",
    "tail",
    "write_audio",
    "write_video",
]
