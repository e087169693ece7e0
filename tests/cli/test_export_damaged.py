"""export-cdxj and export-wacz on an archive holding damaged WARC files: damaged regions
are skipped with one warning line each, everything else is exported, and the CDXJ still
points at the right bytes of the original files."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from wacz.main import main as wacz_main

from archive.warcfile import parse_record, read_member
from tests.cli.conftest import OTHER, URL, fill, run_main, warcs

GARBAGE = bytes(range(256)) * 4


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    """Three captures in a sound file, plus: a copy of that file with garbage between two
    runs of it and a truncated record at the end, a garbage file and a zero-byte file."""
    arc = fill(tmp_path / "arc")
    sound = warcs(arc)[0].read_bytes()
    (arc / "warc" / "mixed.warc.gz").write_bytes(sound + GARBAGE + sound + sound[:200])
    (arc / "warc" / "garbage.warc.gz").write_bytes(GARBAGE)
    (arc / "warc" / "empty.warc.gz").write_bytes(b"")
    return arc


def crawl_file(arc: Path) -> Path:
    """The WARC file the writer made (the others were added by the fixture)."""
    (path,) = (arc / "warc").glob("govcrawl-*.warc.gz")
    return path


def cdxj_entries(text: str) -> list[dict[str, str]]:
    return [json.loads(line.split(" ", 2)[2]) for line in text.splitlines()]


def test_cdxj_skips_damaged_regions_and_keeps_true_offsets(
    damaged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run_main(["export-cdxj", "--archive", str(damaged)], capsys)
    assert outcome.code == 0
    warnings = outcome.stderr.splitlines()
    assert all(w.startswith("govcrawl: warning: ") for w in warnings)
    assert "Traceback" not in outcome.stderr
    damaged_lines = [w for w in warnings if "skipped damaged region" in w]
    # the garbage file; in the mixed file, the garbage run and the truncated tail
    assert len(damaged_lines) == 3
    assert sum("warc/mixed.warc.gz: offset " in w for w in damaged_lines) == 2

    entries = [e for e in cdxj_entries(outcome.stdout) if e.get("url")]
    per_file: dict[str, list[str]] = {}
    for entry in entries:
        path = damaged / entry["filename"]
        with path.open("rb") as fh:
            record = parse_record(read_member(fh, int(entry["offset"]), int(entry["length"])))
        assert record.header("WARC-Target-URI") == entry["url"]  # the offset is the file's own
        per_file.setdefault(entry["filename"], []).append(entry["url"])
    sound_name = crawl_file(damaged).relative_to(damaged).as_posix()
    assert sorted(per_file) == sorted([sound_name, "warc/mixed.warc.gz"])
    assert sorted(per_file[sound_name]) == sorted([URL, URL, OTHER])
    assert sorted(per_file["warc/mixed.warc.gz"]) == sorted([URL, URL, OTHER] * 2)
    lines = outcome.stdout.splitlines()
    assert lines == sorted(lines)  # still one sorted index


def test_cdxj_of_a_sound_archive_is_unchanged_by_the_damage_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arc = fill(tmp_path / "arc")
    outcome = run_main(["export-cdxj", "--archive", str(arc)], capsys)
    assert (outcome.code, outcome.stderr) == (0, "")
    assert len([e for e in cdxj_entries(outcome.stdout) if e.get("url")]) == 3


def test_wacz_packs_the_sound_records_and_validates(
    damaged: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.wacz"
    outcome = run_main(["export-wacz", "--archive", str(damaged), "-o", str(out)], capsys)
    assert outcome.code == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr
    warnings = outcome.stderr.splitlines()[:-1]  # the last line says what was written
    assert all(w.startswith("govcrawl: warning: ") for w in warnings)
    assert any("left out warc/garbage.warc.gz: no readable record" in w for w in warnings)
    assert any("left out warc/empty.warc.gz" in w for w in warnings)
    with contextlib.redirect_stdout(io.StringIO()):
        assert int(wacz_main(["validate", "-f", str(out)]) or 0) == 0
    with zipfile.ZipFile(out) as z:
        names = sorted(n for n in z.namelist() if n.startswith("archive/"))
        mixed = z.read("archive/mixed.warc.gz")
    assert len(names) == 2  # the sound file and the sound records of the mixed one
    sound = crawl_file(damaged).read_bytes()
    assert mixed == sound + sound  # garbage and the truncated tail left out
