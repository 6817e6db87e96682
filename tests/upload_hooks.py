"""Stand-ins for the web app's upload hooks (``mediamill.uploads.hooks``), for tests.

The web app installs the real ones; these put each user's uploads into their own bucket
``<username>-uploads`` under ``originals/``, and record every completion so a test can check
that the handler ran exactly once per upload. In a server process (``hooked_serve``) the
completions are appended to the file named by ``UPLOAD_TEST_COMPLETIONS``, one JSON line each.

Run as ``python -m tests.upload_hooks session USERNAME`` (with the server's settings in the
environment) it creates the user if needed and prints a signed-in session key.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from mediamill.errors import ValidationError
from mediamill.uploads import hooks

if TYPE_CHECKING:
    from django.contrib.auth.models import User

completions: list[hooks.CompletedUpload] = []


def destination(user: User, filename: str, metadata: dict[str, str]) -> hooks.UploadTarget:
    if metadata.get("recipe") == "none":
        raise ValidationError("No such recipe.")
    return hooks.UploadTarget(
        f"{user.username}-uploads", f"originals/{uuid.uuid4().hex[:8]}/{filename}"
    )


def on_complete(done: hooks.CompletedUpload) -> dict[str, str]:
    if done.metadata.get("refuse") == "yes":
        raise ValidationError("The web app refused this file.")
    completions.append(done)
    record = os.environ.get("UPLOAD_TEST_COMPLETIONS")
    if record:
        line = {"user": done.user.username, "key": done.key, "size": done.size}
        with open(record, "a") as out:
            out.write(json.dumps(line) + "\n")
    return {"detail_url": f"/files/{len(completions)}/", "key": done.key}


def install() -> None:
    completions.clear()
    hooks.set_destination(destination)
    hooks.set_on_complete(on_complete)


def recorded(path: Path) -> list[dict[str, object]]:
    """The completions a server process recorded in ``path``."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def _print_session(username: str) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "mediamill.site.settings"
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = User.objects.get_or_create(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print(session.session_key)


if __name__ == "__main__":
    if sys.argv[1:2] == ["session"]:
        _print_session(sys.argv[2])
    else:
        raise SystemExit("usage: python -m tests.upload_hooks session USERNAME")
