"""How far the sandboxed child is cut off from the machine, decided at run time.

What the child gets depends on what the service runs as:

- **as root**: the child leaves the network (its own network namespace, where only a
  loopback that is down exists) and becomes ``MEDIAMILL_SANDBOX_USER`` (``nobody``) with no
  supplementary groups. As that user it cannot read the service's ``/proc/PID/environ`` or
  memory, nor files readable only by the service's user (the secret key, the database).
  It reads its input and writes its outputs through file descriptors the parent opened.
- **as another user, where unprivileged user namespaces are allowed**: the child leaves the
  network (a user and network namespace) but stays the service's user, so it can read what
  that user can read; the service is made non-dumpable, so the child cannot read its memory
  or ``/proc/PID/environ``.
- **otherwise**: the child keeps the network; files and memory as in the previous case.

In every case the child runs with ``no_new_privs`` (no set-user-ID program gives it rights
back), in ``/``, with a filtered environment and resource limits (see ``mediamill.sandbox``).
The parent learns what the child got from the child itself and logs it once per process.
"""

from __future__ import annotations

import ctypes
import logging
import os
import pwd
import threading
from dataclasses import dataclass

from mediamill import settings
from mediamill.errors import ConfigurationError

log = logging.getLogger(__name__)

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38

#: What a child reports when it kept the network.
HOST_NETWORK = "the host's network"


@dataclass(frozen=True)
class Plan:
    """The user the child becomes (root only), chosen by the parent."""

    uid: int | None = None
    gid: int | None = None
    user: str | None = None


def plan() -> Plan:
    """The plan for a child started now: a user switch when running as root."""
    if os.geteuid() != 0:
        return Plan()
    name = settings.get("MEDIAMILL_SANDBOX_USER")
    if not name:
        return Plan()
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ConfigurationError(f"MEDIAMILL_SANDBOX_USER={name!r}: no such user") from None
    if entry.pw_uid == 0:
        raise ConfigurationError(f"MEDIAMILL_SANDBOX_USER={name!r} is root: choose another user")
    return Plan(entry.pw_uid, entry.pw_gid, name)


def apply(plan: Plan) -> str:
    """Confine the calling process (the child, before it starts any thread).

    Returns what it got, in words, for the parent's log.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    os.chdir("/")
    isolated = False
    user = "the service's user"
    if plan.uid is not None and plan.gid is not None:
        isolated = _unshare(libc, CLONE_NEWNET)
        try:
            os.setgroups([])
            os.setgid(plan.gid)
            os.setuid(plan.uid)  # as root this sets the real, effective and saved IDs
        except OSError as exc:  # a container without CAP_SETUID/CAP_SETGID
            user = f"the service's user (cannot become {plan.user}: {exc.strerror})"
        else:
            user = f"user {plan.user} (uid {plan.uid})"
    if not isolated:
        # Unprivileged (or root without CAP_SYS_ADMIN, as in most containers, once it is
        # another user): a user namespace may still bring a network namespace with it.
        isolated = _unshare(libc, CLONE_NEWUSER | CLONE_NEWNET)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    return f"{user}, {'no network' if isolated else HOST_NETWORK}"


def _unshare(libc: ctypes.CDLL, flags: int) -> bool:
    return bool(libc.unshare(flags) == 0)


_protected = False
_seen: set[str] = set()
_lock = threading.Lock()


def protect_parent() -> None:
    """Make this process non-dumpable, unless it runs as root (then the user switch protects).

    A child running as the same user could otherwise read this process's memory and
    ``/proc/PID/environ``. Costs core dumps and debugger attachment; done once.
    """
    global _protected
    with _lock:
        if _protected or os.geteuid() == 0:
            return
        _protected = True
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        log.warning("sandbox: cannot make this process non-dumpable (not Linux?)")


def reported() -> set[str]:
    """The isolation descriptions children of this process have reported so far."""
    with _lock:
        return set(_seen)


def report(description: str) -> None:
    """Log, once per process, the isolation a child says it got."""
    with _lock:
        if description in _seen:
            return
        _seen.add(description)
    if HOST_NETWORK in description or "service's user" in description:
        log.warning(
            "sandbox isolation on this machine: %s (see docs/security.md for how to get more)",
            description,
        )
    else:
        log.info("sandbox isolation on this machine: %s", description)
