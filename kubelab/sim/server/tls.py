"""The server's self-signed certificate: kubectl sends a bearer token only over TLS.

The certificate (an EC P-256 key, valid for 127.0.0.1, ::1 and localhost) is its own CA; the
kubeconfig carries it as `certificate-authority-data`, so clients verify the server. With
`--state`, it is kept beside the state file (`<state>.tls`, mode 0600) and reused.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kubelab.sim.atomic import write_private

log = logging.getLogger("kubelab.sim.tls")


@dataclass(frozen=True)
class ServerCertificate:
    cert_pem: bytes
    key_pem: bytes

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_alpn_protocols(["http/1.1"])
        with tempfile.TemporaryDirectory(prefix="kubelab-sim-tls-") as tmp:
            cert = os.path.join(tmp, "tls.crt")
            key = os.path.join(tmp, "tls.key")
            for path, data in ((cert, self.cert_pem), (key, self.key_pem)):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
            ctx.load_cert_chain(cert, key)
        return ctx


def generate(host: str = "127.0.0.1", common_name: str = "kubelab-sim") -> ServerCertificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost")]
                + [
                    x509.IPAddress(ipaddress.ip_address(a))
                    for a in dict.fromkeys(["127.0.0.1", "::1", host])
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return ServerCertificate(
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


_STANDARD_HOSTS = ("127.0.0.1", "::1", "localhost")


def load_or_generate(cache: Path | None, host: str) -> ServerCertificate:
    """The certificate kept in `cache` (key and certificate PEM, mode 0600) when it is usable;
    otherwise a fresh one, saved there. Reusing it keeps cryptography out of start-up."""
    if cache is None or host not in _STANDARD_HOSTS:
        return generate(host)
    try:
        data = cache.read_bytes()
        cert_pem, sep, key_pem = data.partition(b"\n--KEY--\n")
        if sep and b"BEGIN CERTIFICATE" in cert_pem and b"PRIVATE KEY" in key_pem:
            found = ServerCertificate(cert_pem, key_pem)
            found.ssl_context()  # a pair that does not load is regenerated below
            return found
    except (OSError, ssl.SSLError, ValueError):
        pass
    fresh = generate(host)
    try:
        write_private(cache, fresh.cert_pem + b"\n--KEY--\n" + fresh.key_pem)
    except OSError as e:  # an unwritable cache only costs the next start a new certificate
        log.warning("cannot cache the server certificate in %s: %s", cache, e.strerror or e)
    return fresh
