"""HTTPS: an old portal (TLS 1.0 only, self-signed certificate) is reached and archived exactly.

Many county portals still run TLS 1.0 with certificates that do not verify; the crawler
must reach them (settings: DOWNLOAD_TLS_MIN_VERSION, DOWNLOADER_CLIENT_TLS_CIPHERS) and the
archive must hold the same bytes as over plain HTTP.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.crawler.rawserver import RawServer
from tests.crawler.test_wire_fidelity import SENT
from tests.crawler.warcbytes import archive_records

ROOT = Path(__file__).resolve().parents[2]


def _old_tls_context(tmp: Path) -> ssl.SSLContext:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.demo-county.gov.cn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 is the point here
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1
    ctx.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    return ctx


@pytest.fixture
def old_tls_server(tmp_path: Path) -> Iterator[RawServer]:
    with RawServer(
        dict(SENT), ssl_context=_old_tls_context(tmp_path), close_after=frozenset({"/truncated"})
    ) as server:
        yield server


def test_tls10_self_signed_portal_is_archived_exactly(
    old_tls_server: RawServer, tmp_path: Path
) -> None:
    archive_dir = tmp_path / "archive"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crawler.wire_crawl", str(archive_dir), old_tls_server.base],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = archive_records(archive_dir)
    headers = next(
        r for r in records if r.type == "response" and "/headers?" in str(r.get("WARC-Target-URI"))
    )
    assert str(headers.get("WARC-Target-URI")).startswith("https://127.0.0.1:")
    assert headers.block == SENT["/headers"]
    received = [r.head + r.body for r in old_tls_server.received]
    requests = [r for r in records if r.type == "request"]
    assert requests
    assert all(r.block in received for r in requests)
