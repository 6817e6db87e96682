"""The thread of ``mediamill serve`` that removes expired uploads and what they stored.

Every server runs one; removal is safe to race (a conditional delete per upload), so several
servers on one database share the work. Uploads still being written are left for later.
"""

from __future__ import annotations

import logging

from mediamill import settings
from mediamill.polling import PollingPool, PollingThread
from mediamill.uploads import service

log = logging.getLogger(__name__)

#: Longest wait between looks for expired uploads.
SWEEP_SECONDS = 60.0


def sweep_seconds() -> float:
    """A minute, or a quarter of the expiry when that is shorter, so nothing lingers long."""
    expiry = float(settings.get("MEDIAMILL_UPLOAD_EXPIRY_HOURS")) * 3600
    return min(SWEEP_SECONDS, expiry / 4)


class UploadSweeper:
    def __init__(self) -> None:
        self._pool = PollingPool("upload-sweep", 1, self._sweep, poll_seconds=sweep_seconds())

    def start(self) -> None:
        self._pool.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._pool.stop(timeout)

    def _sweep(self, thread: PollingThread) -> bool:
        removed = service.remove_expired()
        if removed:
            log.info("removed %d expired upload(s)", removed)
        return removed >= service.SWEEP_BATCH  # a full batch: look again at once
