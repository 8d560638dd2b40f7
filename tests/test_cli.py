"""The `coachbot` command line, driven in-process with per-test data dirs (hashing embeddings keep it quick)."""

import io
import json

import pytest

from bot.ops.cli import SUBCOMMANDS, build_parser, main
from bot.settings import Settings


@pytest.fixture
def cli_settings(tmp_path):
    return Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing")


def run(capsys, settings, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv), settings=settings)
    out, err = capsys.readouterr()
    return code, out, err


def test_every_subcommand_is_wired():
    parser = build_parser()
    actions = next(a for a in parser._actions if a.dest == "command")
    assert set(actions.choices) == set(SUBCOMMANDS)


def test_ask_json_prints_the_documented_object(capsys, cli_settings):
    code, out, err = run(capsys, cli_settings, "ask", "--json", "Wie wird man KI-Produktmanager?")
    assert code == 0, err
    answer = json.loads(out)
    assert list(answer) == ["answer", "language", "in_scope", "mode", "sources", "follow_ups", "coverage", "offers"]
    assert answer["language"] == "de" and answer["in_scope"] and answer["mode"] == "extractive"
    assert set(answer["sources"][0]) == {"section", "title", "lang", "snippet", "score", "kind"}
    scores = [s["score"] for s in answer["sources"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_json_from_stdin_answers_each_line_in_order(capsys, cli_settings, monkeypatch):
    lines = "What is the IKEA effect?\n\nWie backe ich ein Brot?\nWas bedeutet Warten und Wandern?\n"
    code, out, _ = run(capsys, cli_settings, "ask", "--json", "-", stdin=lines, monkeypatch=monkeypatch)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(answers) == 4  # one output line per input line
    assert answers.pop(1) == {"line": 2, "error": "empty line"}
    assert [a["language"] for a in answers] == ["en", "de", "de"]
    assert [a["in_scope"] for a in answers] == [True, False, True]


def test_a_shared_conversation_supports_follow_ups(capsys, cli_settings):
    run(capsys, cli_settings, "ask", "--json", "--conversation", "c1", "How do I find good AI product ideas?")
    _, out, _ = run(capsys, cli_settings, "ask", "--json", "--conversation", "c1", "und auf Deutsch?")
    follow_up = json.loads(out)
    assert follow_up["language"] == "de" and follow_up["in_scope"]


def test_plain_ask_prints_sources_and_follow_ups(capsys, cli_settings):
    code, out, _ = run(capsys, cli_settings, "ask", "What are the three types of AI product managers?")
    assert code == 0 and "Sources: § The different roles in AI product management" in out
    assert "1. " in out


def test_ingest_adds_named_sources_that_sources_lists_and_remove_drops(capsys, cli_settings, tmp_path):
    code, out, _ = run(capsys, cli_settings, "ingest")
    assert code == 0 and "added" in out
    extra = tmp_path / "team"
    extra.mkdir()
    (extra / "rituals.md").write_text("## Rituals\n\nWe demo prototypes every Friday.\n")
    code, out, _ = run(capsys, cli_settings, "ingest", str(extra))
    assert code == 0 and "team: 1 chunks from 1 files" in out and "1 chunks embedded" in out
    code, out, _ = run(capsys, cli_settings, "ingest", str(extra / "rituals.md"), "--name", "Team rituals")
    assert code == 0 and "Team rituals: 1 chunks" in out
    code, out, _ = run(capsys, cli_settings, "ingest")  # nothing changed: nothing embedded
    assert code == 0 and "team: 1 chunks from 1 files: 0 files changed, 0 chunks embedded" in out

    code, out, _ = run(capsys, cli_settings, "sources")
    rows = [line.split() for line in out.splitlines()]
    assert rows[0][:3] == ["source", "files", "chunks"]
    assert rows[1][:3] == ["guide", "4", "376"]
    assert [r[:2] for r in rows[2:]] == [["Team", "rituals"], ["team", "1"]]

    code, out, _ = run(capsys, cli_settings, "ingest", "--remove", "team")
    assert code == 0 and "removed source 'team'" in out
    code, out, _ = run(capsys, cli_settings, "sources")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["guide", "Team"]
    code, _, err = run(capsys, cli_settings, "ingest", "--remove", "team")
    assert code == 1 and "no source called 'team'" in err and "Team rituals" in err
    code, _, err = run(capsys, cli_settings, "ingest", "--remove", "guide")
    assert code == 1 and "built in" in err
    code, _, err = run(capsys, cli_settings, "ingest", str(extra), "--name", "bad/name")
    assert code == 1 and "invalid source name" in err
    code, _, err = run(capsys, cli_settings, "ingest", str(tmp_path / "missing"))
    assert code == 1 and "no such file or folder" in err


def test_eval_prints_a_table_and_json(capsys, cli_settings, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "a", "lang": "en", "question": "What is the IKEA effect?",
                    "expect": ["Wichtige Konzepte erklärt", "Hintergrundwissen für KI-Produktmanager"], "in_scope": True})
        + "\n"
        + json.dumps({"id": "b", "lang": "de", "question": "Wie backe ich ein Brot?", "expect": [], "in_scope": False})
        + "\n"
    )
    code, out, _ = run(capsys, cli_settings, "eval", str(questions))
    assert code == 0 and "hit@1" in out.splitlines()[0]
    results = json.loads(out.strip().splitlines()[-1])
    assert results["all"]["hit@3"] == 1.0 and results["de"]["off_topic_refused"] == "1/1"


def test_eval_rejects_a_malformed_file_clearly(capsys, cli_settings, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    code, _, err = run(capsys, cli_settings, "eval", str(bad))
    assert code == 1 and "bad.jsonl:1: not JSON" in err


def test_doctor_shows_presence_never_values(capsys, cli_settings):
    settings = cli_settings.model_copy(update={"slack_bot_token": "xoxb-very-secret", "discord_token": None})
    code, out, _ = run(capsys, settings, "doctor")
    assert code == 0
    assert "xoxb-very-secret" not in out
    assert "SLACK_BOT_TOKEN       set" in out and "DISCORD_TOKEN         missing" in out
    assert "embedded at" in out and "hashing" in out


def test_feedback_and_forget_commands(capsys, cli_settings):
    from bot.core.coach import Coach
    from bot.models import Platform, Privacy, Question

    coach = Coach.from_settings(cli_settings)
    answer = coach.answer(Question(platform=Platform.SLACK, channel="C1", thread="1", user="U7",
                                   privacy=Privacy.CHANNEL, text="What is the IKEA effect?"))
    coach.record_feedback(answer.id, Platform.SLACK, "U7", -1)
    code, out, _ = run(capsys, cli_settings, "feedback")
    assert code == 0 and "What is the IKEA effect?" in out
    code, out, _ = run(capsys, cli_settings, "forget", "slack", "U7")
    assert code == 0 and "erased" in out
    _, out, _ = run(capsys, cli_settings, "feedback")
    assert "What is the IKEA effect?" not in out


def test_forget_also_erases_the_profile_and_an_open_journey(capsys, cli_settings):
    from bot.core.coach import Coach
    from bot.core.journey_runner import journey_key
    from bot.models import Platform, Privacy, Question

    coach = Coach.from_settings(cli_settings)
    dm = dict(platform=Platform.SLACK, channel="D1", user="U8", privacy=Privacy.DM)
    coach.answer(Question(**dm, text="I'm a UX designer at a bank. Plan a two-week prototype with me?"))
    assert coach.profiles.get(Platform.SLACK, "U8").background == "design"
    assert coach.journey_states.get(journey_key(Question(**dm, text="x"))) is not None
    code, out, _ = run(capsys, cli_settings, "forget", "slack", "U8")
    assert code == 0 and "erased" in out
    assert coach.profiles.get(Platform.SLACK, "U8").is_empty()
    assert coach.journey_states.get(journey_key(Question(**dm, text="x"))) is None


def test_a_bad_environment_is_reported_not_raised(capsys, monkeypatch):
    monkeypatch.setenv("COACHBOT_MEMORY_TURNS", "many")
    code = main(["doctor"])
    _, err = capsys.readouterr()
    assert code == 2 and "configuration error" in err


def test_adapters_fail_fast_on_missing_tokens_without_loading_the_guide(capsys, tmp_path, monkeypatch):
    import bot.ops.cli

    monkeypatch.setattr(bot.ops.cli, "_coach", lambda settings: pytest.fail("the guide was loaded"))
    settings = Settings(_env_file=None, data_dir=tmp_path)
    code, _, err = run(capsys, settings, "slack")
    assert code == 1 and "SLACK_BOT_TOKEN" in err
    with pytest.raises(SystemExit, match="DISCORD_TOKEN is not set"):
        main(["discord"], settings=settings)
