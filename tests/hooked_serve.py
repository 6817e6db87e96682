"""``mediamill serve`` with the test upload hooks installed (``tests.upload_hooks``).

The web app, which installs the real hooks, is not part of these tests: this is the
smallest stand-in that lets the uploads be tested over a real server.
"""

from __future__ import annotations

from tests import upload_hooks

from mediamill.cli import main

upload_hooks.install()
raise SystemExit(main())
