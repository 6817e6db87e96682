"""Run as a separate process by test_concurrency: announce one object version many times at
once, from threads, against the database named by DATABASE_URL. Prints the events it made."""

from __future__ import annotations

import os
import sys
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediamill.site.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from mediamill.triggers import dispatch

    times, start_at = int(sys.argv[1]), float(sys.argv[2])
    made: list[int] = []

    def deliver() -> None:
        arrival = dispatch.Arrival("uploads", "media/red flower.mp3", "d41d8cd9", 1024, "s3:race")
        made.extend(event.pk for event in dispatch.fire(arrival))
        connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(times)]
    time.sleep(max(0.0, start_at - time.time()))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(len(made))


if __name__ == "__main__":
    main()
