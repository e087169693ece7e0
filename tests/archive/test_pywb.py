"""Replay in pywb: our WARCs and our CDXJ export, served by a real pywb, give back the page.

pywb pins old dependencies (redis==2.10.6), so it lives in its own virtual environment
(REPO/.venv-pywb), installed from requirements-pywb.lock with hashes, once per machine;
the fixture is idempotent (a stamp holds the lock file's hash) and serialised with a
file lock, since several test runs may share the working tree.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import shutil
import subprocess
import tempfile
import urllib.request
import venv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archive import Provenance
from archive.export import export_cdxj
from archive.reader import decode_content
from archive.writer import ArchiveWriter
from tests.archive.conftest import make_capture

REPO = Path(__file__).resolve().parents[2]
LOCK_FILE = REPO / "requirements-pywb.lock"
VENV = REPO / ".venv-pywb"
SERVER = Path(__file__).with_name("pywb_server.py")


@pytest.fixture(scope="session")
def pywb_python() -> Path:
    """The python of a venv with pywb installed exactly as locked."""
    wanted = hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()
    stamp = VENV / ".installed-lock-sha256"
    python = VENV / "bin" / "python"
    with (Path(tempfile.gettempdir()) / "govcrawl-venv-pywb.lock").open("a+") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            if not (stamp.is_file() and stamp.read_text() == wanted and python.exists()):
                shutil.rmtree(VENV, ignore_errors=True)
                venv.EnvBuilder(with_pip=True).create(VENV)
                subprocess.run(
                    [
                        str(python),
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "--require-hashes",
                        "-r",
                        str(LOCK_FILE),
                    ],
                    check=True,
                    timeout=900,
                )
                stamp.write_text(wanted)
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)
    return python


@pytest.fixture
def serve_pywb(pywb_python: Path, tmp_path: Path) -> Iterator[Callable[[Path], int]]:
    """Start pywb over an archive directory (CDXJ from our export); returns its port.

    Every server started is stopped when the test ends.
    """
    started: list[subprocess.Popen[str]] = []

    def start(archive_dir: Path) -> int:
        config_dir = tmp_path / f"pywb{len(started)}"
        config_dir.mkdir()
        with (config_dir / "index.cdxj").open("w", encoding="utf-8") as fh:
            export_cdxj(archive_dir, fh)
        (config_dir / "config.yaml").write_text(
            "collections:\n"
            "  govcrawl:\n"
            f"    index_paths: {config_dir / 'index.cdxj'}\n"
            f"    archive_paths: {archive_dir}/\n",
            encoding="utf-8",
        )
        proc = subprocess.Popen(
            [str(pywb_python), str(SERVER), str(config_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        started.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until pywb listens (or dies: empty line)
        assert line.strip().isdigit(), "pywb did not start"
        return int(line)

    try:
        yield start
    finally:
        for proc in started:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
            if proc.stdout is not None:
                proc.stdout.close()


def fetch(url: str, data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET (or POST ``data`` as a form) without any proxy from the environment."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with opener.open(request, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def test_pywb_replays_archived_report_page(
    serve_pywb: Callable[[Path], int], tmp_path: Path
) -> None:
    page = (
        "<html><head><meta charset='utf-8'><title>2023年度政府信息公开工作年度报告</title></head>"
        "<body><div class='TRS_Editor'>一、总体情况</div></body></html>"
    ).encode()
    url = "http://www.example.gov.cn/xxgk/ndbg/t20240131_1.html?from=list"
    with ArchiveWriter(tmp_path / "arc", warcinfo={"operator": "test"}) as w:
        w.write_capture(
            make_capture(
                url=url,
                request_target="/xxgk/ndbg/t20240131_1.html?from=list",
                response_headers=(
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Encoding", "gzip"),
                    ("Transfer-Encoding", "chunked"),
                ),
                body=gzip.compress(page),
                provenance=Provenance(portal="example", rule="title:年度报告"),
            )
        )
        w.write_capture(make_capture(url="http://www.example.gov.cn/other.html", body=b"other"))
        for page_no in (1, 2):  # a list API answering POSTs: one capture per request body
            w.write_capture(
                make_capture(
                    url="http://www.example.gov.cn/api/list?col=7",
                    method="POST",
                    request_target="/api/list?col=7",
                    request_headers=(("Content-Type", "application/x-www-form-urlencoded"),),
                    request_body=b"pageNo=%d" % page_no,
                    response_headers=(("Content-Type", "application/json"),),
                    body=b'{"page": %d}' % page_no,
                )
            )
    port = serve_pywb(tmp_path / "arc")
    status, headers, body = fetch(f"http://127.0.0.1:{port}/govcrawl/2025id_/{url}")
    assert status == 200
    assert decode_content(body, headers.get("content-encoding")) == page
    status, _, _ = fetch(f"http://127.0.0.1:{port}/govcrawl/2025id_/http://www.example.gov.cn/none")
    assert status == 404
    api = f"http://127.0.0.1:{port}/govcrawl/2025id_/http://www.example.gov.cn/api/list?col=7"
    for page_no in (2, 1):
        status, _, body = fetch(api, data=b"pageNo=%d" % page_no)
        assert (status, body) == (200, b'{"page": %d}' % page_no)
