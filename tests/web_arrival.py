"""An upload's arrival in a running server's database, for browser tests without the
uploads app: ``python -m tests.web_arrival USERNAME FILE`` with the server's environment
stores FILE where the web app's destination hook says and calls its completion hook, as
the uploads app does once the last byte has arrived. Prints the library entry's ID."""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    from mediamill.site import setup

    setup()
    from django.contrib.auth.models import User
    from tests.web_helpers import upload

    item = upload(User.objects.get(username=sys.argv[1]), Path(sys.argv[2]))
    print(item.pk)


if __name__ == "__main__":
    main()
