import hashlib
import json
from pathlib import Path

import pytest

from ombuds.errors import ExitCode

from ..conftest import Run

LEXICON = {
    "format": "ombuds.lexicon/1",
    "name": "scams",
    "description": "test",
    "separator_insensitive": False,
    "rules": [
        {"id": "s1", "kind": "term", "category": "scam", "term": "zorbcoin giveaway"},
        {"id": "s2", "kind": "combination", "category": "scam", "terms": ["zorb", "wire"]},
        {"id": "s3", "kind": "pattern", "category": "scam", "pattern": "zorb1[a-z0-9]{20,}"},
    ],
}


def policy_doc(scope: str = 'region == "EU"') -> dict[str, object]:
    return {
        "format": "ombuds.policy/1",
        "name": "eu",
        "description": "test",
        "scope": scope,
        "banks": ["known"],
        "lexicons": ["scams"],
        "actions": {"scam": "block", "abuse": "block"},
        "default_action": "review",
        "ground": "ToS 4",
        "enabled": True,
    }


@pytest.fixture
def configured(run: Run, tmp_path: Path) -> Path:
    """A workspace with a bank holding one file, a lexicon and an EU policy."""
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"known bad bytes")
    (tmp_path / "lexicon.json").write_text(json.dumps(LEXICON))
    (tmp_path / "policy.json").write_text(json.dumps(policy_doc()))
    assert run("init").code == 0
    assert run("bank", "create", "known", "--category", "abuse").code == 0
    assert run("bank", "add", "known", str(bad), "--reason", "test").code == 0
    assert run("lexicon", "import", "lexicon.json").code == 0
    assert run("policy", "import", "policy.json").code == 0
    return bad


def test_scan_stdin_messages_jsonl(run: Run, configured: Path) -> None:
    lines = "hello there\nWin a ＺＯＲＢＣＯＩＮ giveaway\nwire it, zorb\n".encode()
    result = run("scan", "-", "--attr", "region=EU", "--format", "jsonl", stdin=lines)
    assert result.code == ExitCode.RESTRICTED
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["action"] for r in rows] == ["allow", "block", "block"]
    assert rows[1]["evidence"][0]["rule_id"] == "s1"
    assert rows[1]["notice"]["ground"] == "ToS 4"
    assert rows[2]["evidence"][0]["rule_id"] == "s2"


def test_scan_out_of_scope_is_allowed(run: Run, configured: Path) -> None:
    result = run(
        "scan", "-", "--attr", "region=US", "--format", "jsonl", stdin=b"zorbcoin giveaway\n"
    )
    assert result.code == ExitCode.OK
    assert json.loads(result.stdout)["reason"] == "out_of_scope"


def test_scan_folder_finds_the_banked_file(run: Run, configured: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "nested"
    folder.mkdir(parents=True)
    (folder / "copy.bin").write_bytes(configured.read_bytes())
    (folder / "other.bin").write_bytes(b"something else")
    result = run("scan", str(tmp_path / "inbox"), "-a", "region=EU", "--format", "jsonl")
    assert result.code == ExitCode.RESTRICTED
    rows = {Path(r["item"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["copy.bin"]["action"] == "block" and rows["copy.bin"]["category"] == "abuse"
    assert rows["other.bin"]["action"] == "allow"


def test_scan_table_output(run: Run, configured: Path) -> None:
    result = run("scan", "-", "-a", "region=EU", stdin=b"zorbcoin giveaway\n")
    assert result.code == ExitCode.RESTRICTED
    assert "block" in result.stdout and "scams/s1" in result.stdout


def test_scan_oversized_file_is_named_and_others_go_on(
    run: Run, configured: Path, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as fh:  # sparse: 2 GB on paper, nothing on disk
        fh.truncate(2 * 1024**3)
    result = run("scan", str(huge), str(configured), "-a", "region=EU", "--format", "jsonl")
    assert result.code == ExitCode.INVALID_INPUT
    assert "huge.bin" in result.stderr and "over the limit" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["action"] == "block"


def test_scan_non_utf8_line_is_reported_by_number(run: Run, configured: Path) -> None:
    result = run(
        "scan", "-", "-a", "region=EU", "--format", "jsonl", stdin=b"ok\n\xff\xfe bad\nfine\n"
    )
    assert result.code == ExitCode.INVALID_INPUT
    assert "stdin:2" in result.stderr and "UTF-8" in result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_scan_missing_and_empty_files(run: Run, configured: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.bin").write_bytes(b"")
    result = run("scan", str(tmp_path / "nope.bin"), str(tmp_path / "empty.bin"))
    assert result.code == ExitCode.INVALID_INPUT
    assert "nope.bin" in result.stderr and "empty.bin: file is empty" in result.stderr


def test_bank_listing_show_export_and_remove(run: Run, configured: Path) -> None:
    digest = hashlib.md5(configured.read_bytes()).hexdigest()
    listing = run("bank", "list")
    assert "known" in listing.stdout and "2" in listing.stdout  # md5 + sha256
    assert digest in run("bank", "show", "known").stdout
    exported = run("bank", "export", "known", "--shape", "hma")
    assert exported.code == 0
    assert exported.stdout.splitlines()[0].startswith("signal_type,signal_str")
    assert digest in exported.stdout
    assert run("bank", "remove", "known", "md5", digest.upper()).code == 0
    assert digest not in run("bank", "show", "known").stdout


def test_bank_import_is_atomic_and_names_the_line(
    run: Run, configured: Path, tmp_path: Path
) -> None:
    good = "a" * 32
    csv_text = f"signal_type,signal_str\nmd5,{good}\nmd5,not-hex\n"
    (tmp_path / "b.csv").write_text(csv_text)
    result = run("bank", "import", "known", "b.csv")
    assert result.code == ExitCode.INVALID_INPUT
    assert "b.csv:3" in result.stderr
    assert good not in run("bank", "show", "known").stdout


def test_bank_add_by_signal_and_errors(run: Run, configured: Path) -> None:
    sig = "md5:" + "b" * 32
    assert run("bank", "add", "known", "--signal", sig).code == 0
    assert run("bank", "add", "known", "--signal", sig).code == ExitCode.CONFLICT
    unknown = run("bank", "add", "known", "--signal", "sha1:" + "c" * 40)
    assert unknown.code == ExitCode.INVALID_INPUT and "unknown signal type" in unknown.stderr
    assert run("bank", "add", "nope", "--signal", sig).code == ExitCode.NOT_FOUND
    assert run("bank", "add", "known").code == ExitCode.INVALID_INPUT


def test_duplicate_names_conflict(run: Run, configured: Path) -> None:
    result = run("bank", "create", "known", "--category", "x")
    assert result.code == ExitCode.CONFLICT and "known" in result.stderr
    assert run("lexicon", "import", "lexicon.json").code == ExitCode.CONFLICT
    assert run("lexicon", "import", "lexicon.json", "--replace").code == 0


def test_lexicon_round_trip_and_try_out(run: Run, configured: Path, tmp_path: Path) -> None:
    assert run("lexicon", "export", "scams", "-o", "out.json").code == 0
    exported = json.loads((tmp_path / "out.json").read_text())
    assert exported["name"] == "scams" and len(exported["rules"]) == 3
    tried = run("lexicon", "test", "scams", "Z.O.R.B wire zorb")
    assert "s2" in tried.stdout
    assert "scams" in run("lexicon", "list").stdout
    assert "zorbcoin giveaway" in run("lexicon", "show", "scams").stdout


def test_invalid_regex_is_rejected_with_its_rule(
    run: Run, configured: Path, tmp_path: Path
) -> None:
    broken = dict(LEXICON, name="broken")
    broken["rules"] = [{"id": "bad", "kind": "pattern", "category": "x", "pattern": "(unclosed"}]
    (tmp_path / "broken.json").write_text(json.dumps(broken, indent=2))
    result = run("lexicon", "import", "broken.json")
    assert result.code == ExitCode.INVALID_INPUT
    assert "broken.json" in result.stderr and "pattern" in result.stderr
    assert "broken" not in run("lexicon", "list").stdout


def test_policy_scope_error_points_at_the_token(run: Run, configured: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps(policy_doc('region == "EU" and'), indent=2))
    result = run("policy", "import", "bad.json")
    assert result.code == ExitCode.INVALID_INPUT
    assert "bad.json" in result.stderr and "scope" in result.stderr


def test_policy_show_list_export(run: Run, configured: Path) -> None:
    assert 'region == "EU"' in run("policy", "show", "eu").stdout
    assert "eu" in run("policy", "list").stdout
    exported = json.loads(run("policy", "export", "eu").stdout)
    assert exported["scope"] == 'region == "EU"' and exported["actions"]["scam"] == "block"


def test_not_found_and_usage_exit_codes(run: Run, configured: Path) -> None:
    assert run("policy", "show", "nope").code == ExitCode.NOT_FOUND
    assert run("lexicon", "export", "nope").code == ExitCode.NOT_FOUND
    assert run("bank", "frobnicate").code == ExitCode.USAGE
    assert run("scan", "-", "--attr", "noequals", stdin=b"x\n").code == ExitCode.INVALID_INPUT


def test_bad_setting_is_a_config_error(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMBUDS_MAX_FILE_BYTES", "lots")
    result = run("init")
    assert result.code == ExitCode.CONFIG and "OMBUDS_MAX_FILE_BYTES" in result.stderr


def _photo(path: Path, fmt: str, seed: int = 5) -> Path:
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (360, 270), (30, 90, 160))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randrange(360), rng.randrange(270)
        draw.ellipse((x, y, x + 120, y + 80), fill=tuple(rng.randrange(256) for _ in range(3)))
    image.save(path, format=fmt)
    return path


def test_scan_waits_for_the_deferred_tier_and_reports_final_decisions(
    run: Run, configured: Path, tmp_path: Path
) -> None:
    banked = _photo(tmp_path / "banked.png", "PNG")
    added = run("bank", "add", "known", str(banked), "--reason", "confirmed")
    assert added.code == 0 and "pdq:" in added.stdout
    inbox = tmp_path / "photos"
    inbox.mkdir()
    _photo(inbox / "forwarded.jpg", "JPEG")  # same picture, other bytes
    _photo(inbox / "other.jpg", "JPEG", seed=99)
    result = run("scan", str(inbox), "-a", "region=EU", "--format", "jsonl", "--workers", "1")
    assert result.code == ExitCode.RESTRICTED, result.stderr
    rows = {Path(r["item"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    forwarded = rows["forwarded.jpg"]
    assert forwarded["tier"] == "deferred" and forwarded["action"] == "block"
    assert forwarded["evidence"][0]["signal_type"] == "pdq"
    assert rows["other.jpg"]["action"] == "allow"


def test_scan_reports_an_unreadable_image_as_unscannable(
    run: Run, configured: Path, tmp_path: Path
) -> None:
    broken = _photo(tmp_path / "broken.jpg", "JPEG")
    broken.write_bytes(broken.read_bytes()[:300])
    result = run("scan", str(broken), "-a", "region=EU", "--format", "jsonl", "--workers", "1")
    row = json.loads(result.stdout)
    assert row["reason"] == "unscannable" and row["action"] == "review"
    assert result.code == ExitCode.RESTRICTED


def test_bank_add_takes_documents_and_scan_sees_through_a_lying_extension(
    run: Run, configured: Path, tmp_path: Path
) -> None:
    from ombuds.testing import documents as samples

    pages = samples.paragraphs(3, 10)
    leaked = tmp_path / "leaked.pdf"
    leaked.write_bytes(samples.make_pdf(pages))
    added = run("bank", "add", "known", str(leaked), "--reason", "leak")
    assert added.code == 0 and "minhash:" in added.stdout
    disguised = tmp_path / "inbox" / "holiday.jpg"  # a DOCX of the same text, named as a photo
    disguised.parent.mkdir()
    disguised.write_bytes(samples.make_docx(pages))
    result = run("scan", str(disguised), "-a", "region=EU", "--format", "jsonl", "--workers", "1")
    row = json.loads(result.stdout)
    assert row["content_kind"] == "file" and row["tier"] == "deferred"
    assert row["action"] == "block" and row["evidence"][0]["signal_type"] == "minhash"
