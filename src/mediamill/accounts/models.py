"""Access keys: an ID and a secret a user signs API requests with (SigV4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccessKey(models.Model):
    """A key pair for signing API requests; the secret is stored encrypted, never in clear.

    SigV4 needs the secret itself on the server (it is an HMAC key), so it cannot be hashed
    like a password; it is encrypted with a key derived from the server's secret key.
    """

    id = models.CharField(primary_key=True, max_length=20, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_keys"
    )
    description = models.CharField(max_length=255, blank=True)
    secret_ciphertext = models.TextField(editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return self.id

    @property
    def active(self) -> bool:
        return self.revoked is None


class SignInFailure(models.Model):
    """Failed sign-ins for one user name from one address, counted for throttling.

    Kept by ``mediamill.accounts.signin``: the row goes when a sign-in succeeds, and a count
    older than the lockout window starts again from one.
    """

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=45)  # IPv4 or IPv6, as the request gave it
    failures = models.PositiveIntegerField(default=0)
    first_failed = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["username", "address"], name="one_count_per_signer"),
        )

    def __str__(self) -> str:
        return f"{self.username} from {self.address}: {self.failures}"
