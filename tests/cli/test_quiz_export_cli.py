"""``netlab quiz export`` end to end: the same seed gives the same sheet, the questions are the
ones ``netlab quiz --seed`` asks (its ``--json`` ``expected`` answers are the key's), the Anki
package is a real one (opened with zipfile and sqlite3) whose notes keep their GUIDs across
exports, a teacher's bank text stays text, and bad input is one error line before any work.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "netlab: error: "
EXPORT = ("quiz", "export")
PAGE_BREAK = '<div style="page-break-before: always"></div>'


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "netlab-home"
    monkeypatch.setenv("NETLAB_HOME", str(folder))
    monkeypatch.setenv("COLUMNS", "200")
    return folder


def one_error_line(status: int, out: str, err: str, expected: int = 2) -> str:
    assert status == expected, (out, err)
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    return lines[0]


def export(run, tmp_path: Path, name: str, *argv: str) -> Path:
    path = tmp_path / name
    status, _out, err = run(*EXPORT, str(path), *argv)
    assert status == 0, err
    assert "Traceback" not in err
    return path


def key_answers(markdown: str) -> list[str]:
    _questions, key = markdown.split(PAGE_BREAK)
    return re.findall(r"^\*\*\d+\.\*\* Answer: \*\*(.*)\*\*$", key, flags=re.M)


# -- the same seed, the same sheet ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_same_seed_same_file_different_seed_different(run, tmp_path: Path, fmt: str) -> None:
    argv = ("--format", fmt, "--count", "12")
    first = export(run, tmp_path, "a", *argv, "--seed", "5").read_bytes()
    again = export(run, tmp_path, "b", *argv, "--seed", "5").read_bytes()
    other = export(run, tmp_path, "c", *argv, "--seed", "6").read_bytes()
    assert first == again
    assert first != other


def test_markdown_holds_every_question_then_the_key(run, tmp_path: Path) -> None:
    md = export(run, tmp_path, "s.md", "--seed", "3", "--count", "9").read_text("utf-8")
    doc_path = export(run, tmp_path, "s.json", "--seed", "3", "--count", "9", "--format", "json")
    doc = json.loads(doc_path.read_text("utf-8"))
    assert md.count(PAGE_BREAK) == 1
    questions, _key = md.split(PAGE_BREAK)
    assert re.findall(r"^\*\*(\d+)\.\*\* ", questions, flags=re.M) == [str(n) for n in range(1, 10)]
    assert key_answers(md) == [q["answer"] for q in doc["questions"]]
    assert "Seed 3 · 9 questions · topics: all" in questions
    assert doc["seed"] == 3 and doc["count"] == 9 and doc["topics"] == []


def test_the_key_is_what_netlab_quiz_expects_for_the_same_seed(run, tmp_path: Path) -> None:
    """Not recomputed here: ``netlab quiz --seed 11 --json`` (junk answers piped) says, for each
    question it asks, the answer it expects; the sheet for seed 11 must ask the same questions
    and its key must give those answers."""
    argv = ("--seed", "11", "--count", "8", "--topic", "handshake", "--topic", "close")
    quiz = subprocess.run(
        [sys.executable, "-m", "netlab", "quiz", *argv, "--json"],
        input="junk\n" * 40,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(ROOT), NETLAB_LANG="en"),
    )
    assert quiz.returncode == 0, quiz.stderr
    asked = json.loads(quiz.stdout)["answers"]
    doc = json.loads(export(run, tmp_path, "q.json", *argv, "--format", "json").read_text())
    assert [q["id"] for q in doc["questions"]] == [a["id"] for a in asked]
    assert [q["answer"] for q in doc["questions"]] == [a["expected"] for a in asked]
    md = export(run, tmp_path, "q.md", *argv).read_text("utf-8")
    assert key_answers(md) == [a["expected"] for a in asked]
    assert any(q["generated"] for q in doc["questions"])


def test_no_seed_draws_one_and_says_it(run, tmp_path: Path) -> None:
    path = tmp_path / "drawn.md"
    status, _out, err = run(*EXPORT, str(path), "--count", "4")
    assert status == 0, err
    seed = re.search(r"used seed (\d+) \(--seed \1 ", err)
    assert seed, err
    again = export(run, tmp_path, "again.md", "--count", "4", "--seed", seed.group(1))
    assert again.read_bytes() == path.read_bytes()


def test_standard_output_and_the_wrote_line(run, tmp_path: Path) -> None:
    status, out, err = run(*EXPORT, "-", "--format", "json", "--seed", "1", "--count", "3")
    assert status == 0, err
    assert json.loads(out)["count"] == 3
    assert "Wrote 3 questions to standard output (json)." in err
    path = tmp_path / "s.md"
    status, out, err = run(*EXPORT, str(path), "--seed", "1", "--count", "1", "--lang", "zh")
    assert status == 0, err
    assert out.strip() == f"已把 1 道题写入 {path}（markdown）。"
    assert "# netlab 测验：试卷" in path.read_text("utf-8")


# -- Anki --------------------------------------------------------------------------------------


def notes_of(apkg: Path) -> list[tuple[str, list[str], list[str]]]:
    """(guid, fields, tags) of every note in an .apkg, read as Anki would: zip, then SQLite."""
    with zipfile.ZipFile(apkg) as package:
        assert "collection.anki2" in package.namelist()
        collection = apkg.with_suffix(".anki2")
        collection.write_bytes(package.read("collection.anki2"))
    conn = sqlite3.connect(collection)
    try:
        rows = conn.execute("SELECT guid, flds, tags FROM notes ORDER BY id").fetchall()
    finally:
        conn.close()
    return [(guid, flds.split("\x1f"), tags.split()) for guid, flds, tags in rows]


def test_anki_package_notes_and_stable_guids(run, tmp_path: Path) -> None:
    pytest.importorskip("genanki")
    argv = ("--format", "anki", "--seed", "8")
    first = notes_of(export(run, tmp_path, "a.apkg", *argv, "--count", "6"))
    doc = json.loads(
        export(
            run, tmp_path, "a.json", "--format", "json", "--seed", "8", "--count", "6"
        ).read_text()
    )
    assert len(first) == 6
    for (_guid, fields, tags), question in zip(first, doc["questions"], strict=True):
        assert len(fields) == 9 and "netlab" in tags and question["topic"] in tags
        assert fields[0].startswith(question["prompt"]["en"].replace("'", "&#x27;")[:20])
        assert fields[5].startswith(question["prompt"]["zh"].replace("'", "&#x27;")[:10])
        assert ("generated" in tags) == question["generated"]
        assert fields[4] == question["see"].replace("'", "&#x27;")
    ids_first = {q["id"]: g for q, (g, _f, _t) in zip(doc["questions"], first, strict=True)}
    # a second export with another count: the questions both hold keep their notes
    second = notes_of(export(run, tmp_path, "b.apkg", *argv, "--count", "9"))
    doc2 = json.loads(
        export(
            run, tmp_path, "b.json", "--format", "json", "--seed", "8", "--count", "9"
        ).read_text()
    )
    ids_second = {q["id"]: g for q, (g, _f, _t) in zip(doc2["questions"], second, strict=True)}
    bank_ids = {q["id"] for q in doc["questions"] if not q["generated"]}
    shared = bank_ids & set(ids_second)
    assert shared, (ids_first, ids_second)
    assert {i: ids_first[i] for i in shared} == {i: ids_second[i] for i in shared}
    assert len({g for g, _f, _t in second}) == 9  # every note its own GUID
    import genanki

    assert all(ids_second[i] == genanki.guid_for(i) for i in bank_ids & set(ids_second))


def test_anki_to_a_terminal_is_refused(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    status, out, err = run(*EXPORT, "-", "--format", "anki", "--seed", "1")
    line = one_error_line(status, out, err)
    assert "terminal" in line


# -- a teacher's bank: text stays text -----------------------------------------------------------

HOSTILE_BANK = textwrap.dedent(
    """\
    topic = "handshake"

    [[question]]
    id = "hostile"
    kind = "single"
    see = "netlab simulate handshake"
    prompt = { en = "<script>alert(1)</script> **bold** # x", zh = "<b>粗体</b>" }
    choices = [{ en = "[a](https://e.example)", zh = "甲" }, { en = "_u_ | `c`", zh = "乙" }]
    answer = "A"
    shuffle = false
    explanation = { en = "<img src=x onerror=alert(1)>", zh = "因为。" }
    """
)


def test_hostile_bank_text_stays_literal(run, tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    bank = tmp_path / "bank.toml"
    bank.write_text(HOSTILE_BANK, encoding="utf-8")
    base = ("--bank", str(bank), "--no-generated", "--seed", "1", "--count", "1")
    md = export(run, tmp_path, "h.md", *base).read_text("utf-8")
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script>" not in rendered and "<img" not in rendered and "<strong>bold" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold** # x" in rendered
    assert "<a href" not in rendered and "[a](https://e.example)" in rendered
    assert "_u_ | `c`" in rendered.replace("&quot;", '"')
    pytest.importorskip("genanki")
    _guid, fields, _tags = notes_of(export(run, tmp_path, "h.apkg", *base, "--format", "anki"))[0]
    assert fields[0] == "&lt;script&gt;alert(1)&lt;/script&gt; **bold** # x"
    assert fields[3] == "&lt;img src=x onerror=alert(1)&gt;"
    assert fields[5] == "&lt;b&gt;粗体&lt;/b&gt;"


# -- bad input: one line, before any work --------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("--format", "foo"), "--format"),
        (("--count", "0"), "--count"),
        (("--count", "501"), "--count"),
        (("--lang", "fr"), "--lang"),
        (("--lang", "both"), "--lang"),  # markdown is one language
        (("--topic", "nosuchtopic"), "nosuchtopic"),
        (("--seed", "-1"), "--seed"),
    ],
)
def test_bad_values_are_one_error_line(run, tmp_path: Path, argv, named) -> None:
    path = tmp_path / "out.md"
    status, out, err = run(*EXPORT, str(path), *argv)
    assert named in one_error_line(status, out, err)
    assert not path.exists()


@pytest.mark.parametrize("fmt", ["markdown", "anki"])
def test_a_path_in_a_missing_folder_or_a_folder_is_refused(run, tmp_path: Path, fmt) -> None:
    missing = tmp_path / "no" / "such" / "sheet"
    status, out, err = run(*EXPORT, str(missing), "--format", fmt)
    assert str(missing) in one_error_line(status, out, err)
    assert not (tmp_path / "no").exists()
    status, out, err = run(*EXPORT, str(tmp_path), "--format", fmt)
    one_error_line(status, out, err)
    assert [p.name for p in tmp_path.iterdir() if p.name != "netlab-home"] == []


def test_a_read_only_file_in_a_read_only_folder_is_refused_before_work(run, tmp_path: Path):
    """The file's replacement could not be created beside it: refused before the work (status
    2, as ``--pcap`` is), the old file untouched. As root, the run is made as user nobody."""
    export(run, tmp_path, "warm.md", "--seed", "1")  # imports done while root reads everything
    top = Path(tempfile.mkdtemp(prefix="netlab-export-"))
    top.chmod(0o755)
    folder = top / "locked"
    folder.mkdir()
    sheet = folder / "sheet.md"
    sheet.write_text("old")
    sheet.chmod(0o444)
    folder.chmod(0o555)
    root = os.geteuid() == 0
    try:
        if root:
            os.setegid(65534)
            os.seteuid(65534)
        try:
            status, out, err = run(*EXPORT, str(sheet), "--seed", "1", "--no-generated")
        finally:
            if root:
                os.seteuid(0)
                os.setegid(0)
    finally:
        folder.chmod(0o755)
        shutil.rmtree(top)
    assert str(sheet) in one_error_line(status, out, err)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("fmt", ["markdown", "json", "anki"])
def test_a_write_that_fails_after_the_work_is_status_1(run, fmt) -> None:
    """/dev/full takes the open and refuses the bytes (ENOSPC): the failure comes after the
    questions were made, so the status is 1, said in one line."""
    if fmt == "anki":
        pytest.importorskip("genanki")
    status, out, err = run(*EXPORT, "/dev/full", "--format", fmt, "--seed", "1", "--count", "2")
    line = one_error_line(status, out, err, expected=1)
    assert "/dev/full" in line and "No space left on device" in line


# -- fast start ----------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["quiz", "--help"], ["quiz", "export", "--help"]])
def test_help_imports_neither_genanki_nor_scapy(argv: list[str]) -> None:
    code = textwrap.dedent(
        f"""
        import io, sys
        from contextlib import redirect_stdout
        from netlab.cli.main import main
        with redirect_stdout(io.StringIO()) as out:
            status = main({argv!r})
        heavy = sorted(m for m in sys.modules if m.startswith(("genanki", "scapy")))
        print(status, "export" in out.getvalue(), ",".join(heavy) or "none")
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), NETLAB_LANG="en")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True", "none"]


def test_stdin_is_not_read(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("B\n"))
    export(run, tmp_path, "x.md", "--seed", "1", "--count", "1")
    assert sys.stdin.read() == "B\n"
