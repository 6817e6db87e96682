"""For code that calls a mediamill server: a boto3 Elastic Transcoder client with any
current boto3, and a check that a notification really came from your server.

botocore dropped the ``elastictranscoder`` client after 1.42.17. mediamill ships the service
description, paginators, waiters and endpoint rules of that release, in botocore's own data
layout; :func:`elastictranscoder` gives them to botocore's loader, so the client, its
``job_complete`` waiter and its paginators work with whatever botocore is installed::

    from mediamill.client import elastictranscoder

    et = elastictranscoder(endpoint_url="http://127.0.0.1:8000",
                           aws_access_key_id="MMAK...", aws_secret_access_key="...")
    et.list_pipelines()

Without ``endpoint_url``, botocore's usual configuration applies: the
``AWS_ENDPOINT_URL_ELASTIC_TRANSCODER`` environment variable (or ``AWS_ENDPOINT_URL``), and
``services`` sections of ``~/.aws/config``.

:func:`verify_notification` checks a notification's signature, topic and certificate URL
(see ``mediamill.notifications.verify``) and gives back the job-state message as a dict.

This module needs boto3 (``pip install 'mediamill[client]'``) and ``cryptography``; it never
imports Django or PyAV.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Mapping
from importlib import resources
from typing import Any

from mediamill.errors import AuthenticationError, ConfigurationError

SERVICE = "elastictranscoder"
API_VERSION = "2012-09-25"
#: Verifiers by their settings: each fetches a signing certificate once, then reuses it.
_verifiers: dict[tuple[tuple[str, ...], tuple[str, ...] | None, bool], Any] = {}


def model_path() -> str:
    """The folder to add to botocore's data search path (it holds ``elastictranscoder/``)."""
    return str(resources.files("mediamill.servicemodel").joinpath("data"))


def elastictranscoder(
    endpoint_url: str | None = None,
    *,
    region_name: str = "us-east-1",
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
    session: Any = None,
    **client_kwargs: Any,
) -> Any:
    """A boto3 client for the Elastic Transcoder API (2012-09-25) of a mediamill server.

    ``session`` is a ``boto3.session.Session`` to build the client from (its credentials and
    configuration); by default a new one. Other keyword arguments go to ``client()``
    (``config=botocore.config.Config(...)``, ``verify=...``).
    """
    try:
        import boto3
    except ImportError as exc:
        raise ConfigurationError(
            "mediamill.client needs boto3: pip install 'mediamill[client]'"
        ) from exc
    if session is None:
        session = boto3.session.Session()
    loader = session._session.get_component("data_loader")
    path = model_path()
    if path not in loader.search_paths:
        # First, so this description is used even by a botocore that still has its own.
        loader.search_paths.insert(0, path)
    return session.client(
        SERVICE,
        endpoint_url=endpoint_url,
        region_name=region_name,
        aws_access_key_id=aws_access_key_id,
        aws_secret_access_key=aws_secret_access_key,
        api_version=API_VERSION,
        **client_kwargs,
    )


def verify_notification(
    body: bytes | str | Mapping[str, Any],
    *,
    allowed_hosts: Collection[str],
    topics: Collection[str] | None = None,
    require_https: bool = True,
) -> dict[str, Any]:
    """Check an SNS-signed notification and return its envelope, with ``Message`` parsed
    from JSON when it is a job-state message.

    ``body`` is the POST's body (or the envelope already parsed). ``allowed_hosts`` are the
    ``host[:port]`` the SigningCertURL may point at: your server's, as in
    ``MEDIAMILL_PUBLIC_URL``. ``require_https=False`` accepts an ``http://`` SigningCertURL,
    for a server without TLS on your own machine or network only. Raises
    ``mediamill.errors.AuthenticationError`` for anything not genuine: answer 403.
    """
    from mediamill.notifications.verify import Verifier

    if isinstance(body, (bytes, str)):
        try:
            envelope = json.loads(body)
        except ValueError as exc:
            raise AuthenticationError("InvalidMessage", "the body is not JSON") from exc
    else:
        envelope = dict(body)
    key = (tuple(allowed_hosts), None if topics is None else tuple(topics), require_https)
    verifier = _verifiers.get(key)
    if verifier is None:
        verifier = _verifiers.setdefault(
            key, Verifier(allowed_hosts, topics=topics, require_https=require_https)
        )
    verifier.verify(envelope)
    if envelope.get("Type") == "Notification" and isinstance(envelope.get("Message"), str):
        with contextlib.suppress(ValueError):  # a plain-text message stays text
            envelope["Message"] = json.loads(envelope["Message"])
    return dict(envelope)
