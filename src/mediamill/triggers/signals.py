"""``handler_event_pending``: sent after the commit that leaves a handler's event Pending, so
the trigger threads of this process run it at once instead of at their next poll."""

from __future__ import annotations

from django.dispatch import Signal

handler_event_pending = Signal()
