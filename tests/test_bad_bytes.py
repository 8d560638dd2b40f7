"""Bad bytes never end things: invalid UTF-8 on stdin and lone surrogates reach the core, the store and the embedder."""

from __future__ import annotations

import io
import json

import pytest

from bot.core.reading import read
from bot.knowledge.embeddings import E5Embeddings, HashingEmbeddings
from bot.models import Platform, Privacy, Question
from bot.ops.cli import main
from bot.ops.lines import read_lines
from bot.settings import Settings

SURROGATE = "\ud800"


def stdin_of(raw: bytes) -> io.TextIOWrapper:
    """A stdin whose text layer would raise UnicodeDecodeError on the bad line, as the real one does."""
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="strict")


def test_ask_json_answers_every_line_and_marks_empty_and_unreadable_ones(capsys, tmp_path, monkeypatch):
    raw = (
        b"What is the IKEA effect?\n"
        b"How do I \xff\xfe become an AI product manager?\n"  # invalid UTF-8 inside a real question
        b"\n"
        b"\xff\xfe\xc3\n"  # nothing readable
        b"   \r\n"
        b"Was bedeutet Warten und Wandern?"  # no final newline
    )
    monkeypatch.setattr("sys.stdin", stdin_of(raw))
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing")
    code = main(["ask", "--json", "-"], settings=settings)
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(out) == 6  # one output line per input line
    rows = [json.loads(line) for line in out]
    assert rows[0]["in_scope"] and rows[1]["in_scope"] and rows[5]["language"] == "de"
    assert "\ufffd" not in rows[1]["answer"]
    assert rows[2] == {"line": 3, "error": "empty line"}
    assert rows[3] == {"line": 4, "error": "unreadable line: not UTF-8 text"}
    assert rows[4] == {"line": 5, "error": "empty line"}


def test_read_lines_numbers_every_line_of_text_or_bytes():
    assert list(read_lines(io.StringIO("a\n\nb"))) == [(1, "a", None), (2, "", "empty line"), (3, "b", None)]
    assert list(read_lines(io.BytesIO(b"caf\xe9 latte\n"))) == [(1, "caf\ufffd latte", None)]


@pytest.mark.parametrize("text", [SURROGATE, f"What is an AI PM? {SURROGATE}", f"\udfff{SURROGATE}KI-Produktmanager"])
def test_reading_drops_lone_surrogates(text):
    cleaned = read(text).text
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in cleaned)
    cleaned.encode("utf-8")


@pytest.mark.parametrize("embeddings", [E5Embeddings, HashingEmbeddings])
def test_the_embedders_take_lone_surrogates(embeddings):
    model = embeddings()
    assert len(model.embed_query(f"AI product manager {SURROGATE}")) == len(model.embed_query("AI product manager"))
    assert len(model.embed_documents([SURROGATE, "ok"])) == 2


def test_a_question_with_a_lone_surrogate_is_answered_and_remembered(coach):
    question = Question(
        platform=Platform.SLACK, channel="D1", user="U1", privacy=Privacy.DM,
        text=f"How do I become an AI product manager?{SURROGATE}",
    )
    answer = coach.answer(question)
    assert answer.in_scope
    [turn] = coach.memory.history(question.conversation_key)
    assert SURROGATE not in turn.question_text
    assert coach.answer(question.model_copy(update={"text": SURROGATE, "id": "q2"})).in_scope is False
