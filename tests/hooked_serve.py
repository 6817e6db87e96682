"""``mediamill serve`` with the test upload hooks installed (``tests.upload_hooks``).

The web app installs the real hooks when Django starts; these replace them once it has, so
the uploads are tested over a real server on their own.
"""

from __future__ import annotations

from tests import upload_hooks

from mediamill.cli import main
from mediamill.site import setup

setup()
upload_hooks.install()
raise SystemExit(main())
