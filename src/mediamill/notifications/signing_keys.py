"""The key that signs notifications, and the certificate receivers verify them with.

The RSA key pair and a self-signed X.509 certificate are made on first use and kept in
``MEDIAMILL_DATA_DIR/sns/signing-key.pem`` (the private key, then the certificate; readable by
its owner only). The certificate is also stored in the database (``SigningCertificate``), so
that the server answering SigningCertURL serves it whichever process signed, and so that it
is still served after a rotation: a message signed just before ``rotate()`` verifies
afterwards too.

Processes notice a rotation made by another process (``mediamill notifications rotate-key``)
at their next signature: the file is replaced atomically, and a change of its inode or
modification time makes them load it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mediamill import settings
from mediamill.errors import ConfigurationError
from mediamill.notifications.models import SigningCertificate

FOLDER = "sns"
FILENAME = "signing-key.pem"
KEY_BITS = 2048
CERT_YEARS = 10
#: SigningCertURL is PUBLIC_URL + CERT_PATH.format(cert_id=...), cert_id being 32 hex digits.
CERT_PATH = "/sns/SimpleNotificationService-{cert_id}.pem"

_BEGIN_CERT = b"-----BEGIN CERTIFICATE-----"


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    certificate_pem: bytes
    fingerprint: str  # SHA-256 of the certificate's DER, hex

    @property
    def cert_id(self) -> str:
        """The certificate's name in its URL (like AWS's, 32 hex digits)."""
        return self.fingerprint[:32]

    @property
    def cert_url(self) -> str:
        base: str = settings.get("MEDIAMILL_PUBLIC_URL")
        return base + CERT_PATH.format(cert_id=self.cert_id)


_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int], SigningKey]] = {}


def key_path() -> Path:
    return Path(settings.get("MEDIAMILL_DATA_DIR")).resolve() / FOLDER / FILENAME


def current() -> SigningKey:
    """The key to sign with now: made on first use, reloaded after a rotation."""
    path = key_path()
    with _lock:
        try:
            stat = path.stat()
        except FileNotFoundError:
            _write(path, _generate(), replace=False)
            stat = path.stat()
        version = (stat.st_ino, stat.st_mtime_ns)
        cached = _cache.get(path)
        if cached is not None and cached[0] == version:
            return cached[1]
        key = _load(path)
        _register(key)
        _cache[path] = (version, key)
        return key


def rotate() -> SigningKey:
    """Make a new key pair and sign with it from now on; the old certificate stays served."""
    path = key_path()
    data = _generate()
    key = _parse(data, path)
    _register(key)  # served before anything is signed with it
    with _lock:
        _write(path, data, replace=True)
    return current()


def certificate(cert_id: str) -> bytes | None:
    """The PEM certificate named ``cert_id`` in a SigningCertURL, or None."""
    if len(cert_id) != 32 or not all(c in "0123456789abcdef" for c in cert_id):
        return None
    row = SigningCertificate.objects.filter(fingerprint__startswith=cert_id).first()
    if row is not None:
        return row.pem.encode("ascii")
    # Not registered (the database was reset under a running process): a key loaded here.
    with _lock:
        loaded = [key for _, key in _cache.values()]
    return next((k.certificate_pem for k in loaded if k.cert_id == cert_id), None)


def _generate() -> bytes:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mediamill"),
            x509.NameAttribute(NameOID.COMMON_NAME, "mediamill notification signing"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * CERT_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private_key, hashes.SHA256())
    )
    key_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes, *, replace: bool) -> None:
    """Write atomically, owner-only. Without ``replace``, a file already there wins (two
    processes starting at once agree on one key)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(temp, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _load(path: Path) -> SigningKey:
    return _parse(path.read_bytes(), path)


def _parse(data: bytes, path: Path) -> SigningKey:
    key_part, found, cert_part = data.partition(_BEGIN_CERT)
    if not found:
        raise ConfigurationError(f"{path} holds no certificate: delete it to have a new key made")
    try:
        private_key = serialization.load_pem_private_key(key_part, password=None)
        cert = x509.load_pem_x509_certificate(_BEGIN_CERT + cert_part)
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not a usable key: {exc}") from exc
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ConfigurationError(f"{path} does not hold an RSA key")
    der = cert.public_bytes(serialization.Encoding.DER)
    return SigningKey(
        private_key, cert.public_bytes(serialization.Encoding.PEM), hashlib.sha256(der).hexdigest()
    )


def _register(key: SigningKey) -> None:
    SigningCertificate.objects.get_or_create(
        fingerprint=key.fingerprint, defaults={"pem": key.certificate_pem.decode("ascii")}
    )
