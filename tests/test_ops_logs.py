"""LOG_FORMAT=json: one JSON object per log line, with the exception when there is one and no secret values."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

from pydantic import SecretStr

from bot.ops.logs import JsonFormatter, formatter
from bot.settings import Settings



def record(message: str, *args: object, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("bot.adapters.slack.app", logging.WARNING, __file__, 1, message, args, exc_info)


def test_a_record_becomes_one_json_object_with_time_level_logger_and_message():
    line = JsonFormatter().format(record("rejected a request with %d: %s", 401, "bad signature\nsecond line"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.adapters.slack.app"
    assert entry["message"] == "rejected a request with 401: bad signature\nsecond line"
    assert entry["time"].endswith("+00:00") and "exc_info" not in entry


def test_an_exception_is_kept_in_exc_info():
    try:
        raise ValueError("the index is gone")
    except ValueError:
        entry = json.loads(JsonFormatter().format(record("answer failed", exc_info=sys.exc_info())))
    assert entry["exc_info"].startswith("Traceback") and "ValueError: the index is gone" in entry["exc_info"]


def test_a_secret_in_a_message_argument_stays_masked():
    line = JsonFormatter().format(record("token is %s", SecretStr("xoxb-very-secret")))
    assert "xoxb-very-secret" not in line and "**********" in json.loads(line)["message"]


def test_the_setting_picks_the_format():
    assert isinstance(formatter(Settings(_env_file=None, log_format="json").log_format), JsonFormatter)
    assert not isinstance(formatter(Settings(_env_file=None).log_format), JsonFormatter)


def test_the_cli_logs_json_lines_when_log_format_is_json(tmp_path):
    script = (
        "import logging\n"
        "from bot.ops.cli import configure_logging\n"
        "from bot.settings import Settings\n"
        "settings = Settings()\n"
        "configure_logging(settings, verbose=False)\n"
        "logging.getLogger('coachbot').info('starting with %s', settings.slack_bot_token)\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('bot.core').exception('could not answer')\n"
    )
    env = {**os.environ, "LOG_FORMAT": "json", "SLACK_BOT_TOKEN": "xoxb-never-logged", "COACHBOT_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          check=True)
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(e["level"], e["logger"], e["message"]) for e in lines] == [
        ("INFO", "coachbot", "starting with **********"),
        ("ERROR", "bot.core", "could not answer"),
    ]
    assert "ZeroDivisionError" in lines[1]["exc_info"]
    assert "xoxb-never-logged" not in done.stderr
