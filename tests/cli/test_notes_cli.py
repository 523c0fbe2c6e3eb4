"""``netlab notes``: the topic list, one topic's note with its "Try it" commands (in English and
Chinese), ``--search`` in either language, and the errors for a typo or a bad combination.

Runs in-process through ``main()``; one subprocess checks that reading a note imports neither
scapy nor gevent. ``NETLAB_HOME`` points at a temporary folder in every test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from netlab.datafiles import data_dir
from netlab.i18n import text
from netlab.topics import topics

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "netlab: error: "
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "netlab-home"
    monkeypatch.setenv("NETLAB_HOME", str(folder))
    monkeypatch.setenv("COLUMNS", "200")
    return folder


def assert_one_error_line(status: int, out: str, err: str) -> str:
    assert status == 2, (out, err)
    assert "Traceback" not in err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX)
    return lines[0]


def ids_listed(out: str) -> list[str]:
    """The topic ids in the first column of a topic list."""
    known = set(topics())
    return [
        line.split()[0]
        for line in out.splitlines()
        if line.split()[:1] and line.split()[0] in known
    ]


def test_notes_lists_every_topic_in_teaching_order(run) -> None:
    status, out, err = run("notes")
    assert status == 0, err
    assert ids_listed(out) == list(topics())
    for topic in topics().values():
        assert topic.title["en"] in out


def test_notes_list_in_chinese(run) -> None:
    status, out, err = run("notes", "--lang", "zh")
    assert status == 0, err
    assert ids_listed(out) == list(topics())
    for topic in topics().values():
        assert topic.title["zh"] in out


def try_section(out: str, lang: str) -> list[str]:
    """The lines after the "Try it" heading, which must be the last section."""
    heading = text("ui.notes.try", lang)
    lines = [line.strip() for line in out.splitlines()]
    assert heading in lines, out
    after = lines[len(lines) - 1 - lines[::-1].index(heading) + 1 :]
    return [line for line in after if line]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_note_ends_with_try_it(run, lang: str) -> None:
    status, out, err = run("notes", "handshake", "--lang", lang)
    assert status == 0, err
    commands = try_section(out, lang)
    assert all(line.startswith("$ ") for line in commands), commands
    listed = [line[2:].strip() for line in commands]
    assert "netlab simulate handshake" in listed
    assert "netlab quiz --topic handshake" in listed
    assert listed == [*topics()["handshake"].try_commands, "netlab quiz --topic handshake"]


def first_heading(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    raise AssertionError(f"{path} has no heading")


def test_english_note_is_rendered(run) -> None:
    status, out, err = run("notes", "handshake")
    assert status == 0, err
    assert first_heading(data_dir() / "notes" / "handshake.en.md") in out
    body = out.split(text("ui.notes.try", "en"))[0]
    assert not CJK.search(body)


def test_chinese_note_is_rendered(run) -> None:
    note = data_dir() / "notes" / "handshake.zh.md"
    assert note.exists(), "the Chinese handshake note is missing"
    status, out, err = run("notes", "handshake", "--lang", "zh")
    assert status == 0, err
    body = out.split(text("ui.notes.try", "zh"))[0]
    assert CJK.search(body)
    assert first_heading(note) in body
    assert first_heading(data_dir() / "notes" / "handshake.en.md") not in body


def test_global_lang_option_works_too(run) -> None:
    status, out, err = run("--lang", "zh", "notes", "handshake")
    assert status == 0, err
    assert text("ui.notes.try", "zh") in out
    assert CJK.search(out.split(text("ui.notes.try", "zh"))[0])


def test_topic_name_is_case_insensitive(run) -> None:
    assert run("notes", "HandShake")[:2] == run("notes", "handshake")[:2]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_topic_has_a_note_that_renders(run, lang: str) -> None:
    broken = []
    for topic_id in topics():
        status, out, err = run("notes", topic_id, "--lang", lang)
        body = out.split(text("ui.notes.try", lang))[0]
        if status != 0 or f"netlab quiz --topic {topic_id}" not in out:
            broken.append(f"{topic_id}: exit {status}: {err.strip()}")
        elif not (data_dir() / "notes" / f"{topic_id}.{lang}.md").exists():
            broken.append(f"{topic_id}: no {lang} note (another language was shown)")
        elif lang == "zh" and not CJK.search(body):
            broken.append(f"{topic_id}: the note is not in Chinese")
    assert broken == []


@pytest.mark.parametrize(
    ("word", "topic_id"),
    [("粘包", "sticky"), ("sticky", "sticky"), ("三次握手", "handshake"), ("TIME-WAIT", "close")],
)
def test_search_finds_topics_in_either_language(run, word: str, topic_id: str) -> None:
    status, out, err = run("notes", "--search", word)
    assert status == 0, err
    found = ids_listed(out)
    assert topic_id in found
    assert text("ui.notes.found", "en") in out
    assert found == [t for t in topics() if t in found]  # teaching order


def test_search_with_no_match_says_so(run) -> None:
    status, out, err = run("notes", "--search", "nothingmatches")
    assert status == 0, err
    assert out.strip() == text("ui.notes.none_found", "en", word="nothingmatches")
    assert ids_listed(out) == []


def test_search_with_an_empty_word_is_an_error(run) -> None:
    status, out, err = run("notes", "--search", "  ")
    line = assert_one_error_line(status, out, err)
    assert "--search" in line


def test_unknown_topic_names_the_close_match(run) -> None:
    status, out, err = run("notes", "handshak")
    line = assert_one_error_line(status, out, err)
    assert "handshak" in line
    assert "handshake" in line.split("handshak'", 1)[-1]


def test_unknown_topic_without_close_match_points_to_the_list(run) -> None:
    status, out, err = run("notes", "zzzzzz")
    line = assert_one_error_line(status, out, err)
    assert "zzzzzz" in line
    assert "netlab notes" in line.split("zzzzzz", 1)[1]  # where to find the list


def test_topic_and_search_together_is_an_error(run) -> None:
    status, out, err = run("notes", "handshake", "--search", "x")
    line = assert_one_error_line(status, out, err)
    assert "--search" in line and "TOPIC" in line


def test_bad_language_is_an_error(run) -> None:
    status, out, err = run("notes", "handshake", "--lang", "fr")
    line = assert_one_error_line(status, out, err)
    assert "--lang" in line and "fr" in line


def test_reading_a_note_imports_neither_scapy_nor_gevent() -> None:
    code = textwrap.dedent(
        """
        import io, json, sys
        from contextlib import redirect_stdout
        from netlab.cli.main import main
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            status = main(["notes", "handshake"])
        heavy = sorted({m.split(".")[0] for m in sys.modules} & {"scapy", "gevent"})
        print(json.dumps({"status": status, "out": buffer.getvalue(), "heavy": heavy}))
        """
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NETLAB_LANG"] = "en"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == 0
    assert "netlab quiz --topic handshake" in report["out"]
    assert report["heavy"] == []
