"""DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS: what each combination means, and bad values stop with a clear reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.discord.client import CoachBot, ShardedCoachBot, build_bot, check_settings
from bot.adapters.discord.shards import ShardConfigError, ShardPlan, shard_of
from bot.settings import Settings
from tests.fakes.coach_double import CoachDouble

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("count", "ids", "plan"),
    [
        (None, None, None),
        ("", "  ", None),
        ("auto", None, ShardPlan(count=None, ids=None)),
        (" AUTO ", "", ShardPlan(count=None, ids=None)),
        ("4", None, ShardPlan(count=4, ids=None)),
        ("4", "3,1", ShardPlan(count=4, ids=(1, 3))),
        ("16", "0-3, 8", ShardPlan(count=16, ids=(0, 1, 2, 3, 8))),
        ("2", "1,", ShardPlan(count=2, ids=(1,))),
    ],
)
def test_valid_combinations(count, ids, plan):
    assert ShardPlan.parse(count, ids) == plan


@pytest.mark.parametrize(
    ("count", "ids", "reason"),
    [
        ("two", None, "DISCORD_SHARD_COUNT must be a whole number of shards of at least 1, or 'auto', got 'two'"),
        ("-1", None, "DISCORD_SHARD_COUNT must be a whole number"),
        ("1.5", None, "got '1.5'"),
        ("²", None, "DISCORD_SHARD_COUNT must be a whole number"),
        ("0", None, "DISCORD_SHARD_COUNT must be at least 1"),
        (None, "0,1", "DISCORD_SHARD_IDS='0,1' needs DISCORD_SHARD_COUNT"),
        ("auto", "0", "cannot be combined with DISCORD_SHARD_COUNT=auto"),
        ("2", "2", "DISCORD_SHARD_IDS has shard '2' but DISCORD_SHARD_COUNT=2 allows only 0 to 1"),
        ("4", "0-99999999999", "allows only 0 to 3"),
        ("4", "a,b", "DISCORD_SHARD_IDS must be comma-separated shard numbers"),
        ("4", "-1", "DISCORD_SHARD_IDS must be comma-separated shard numbers"),
        ("4", "3-1", "runs backwards; write it as 1-3"),
        ("4", "1,1-2", "names shard(s) 1 more than once"),
        ("4", ",", "names no shard"),
    ],
)
def test_bad_values_say_what_is_wrong(count, ids, reason):
    with pytest.raises(ShardConfigError) as error:
        ShardPlan.parse(count, ids)
    assert reason in str(error.value)


def test_shard_zero_owns_dms_and_reminders_and_guilds_route_like_discord():
    assert ShardPlan(count=None, ids=None).owns_shard_zero and ShardPlan(count=4, ids=None).owns_shard_zero
    assert ShardPlan(count=4, ids=(0, 2)).owns_shard_zero and not ShardPlan(count=4, ids=(1, 3)).owns_shard_zero
    assert ShardPlan(count=4, ids=(1, 3)).describe() == "shard(s) 1, 3 of 4"
    guild = 175928847299117063  # Discord's documented snowflake example
    assert shard_of(guild, 1) == 0 and shard_of(guild, 2) == (guild >> 22) % 2


def test_without_shard_settings_the_bot_is_the_unsharded_one(tmp_path):
    coach = CoachDouble()
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert type(build_bot(settings, coach, None)) is CoachBot
    sharded = build_bot(settings, coach, ShardPlan(count=4, ids=(1, 3)))
    assert isinstance(sharded, ShardedCoachBot)
    assert (sharded.shard_count, sharded.shard_ids, sharded.delivers_reminders) == (4, [1, 3], False)
    automatic = build_bot(settings, coach, ShardPlan(count=None, ids=None))
    assert (automatic.shard_count, automatic.shard_ids, automatic.delivers_reminders) == (None, None, True)


def test_check_settings_exits_with_the_reason(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, discord_token="t", discord_shard_count="2",
                        discord_shard_ids="5")
    with pytest.raises(SystemExit, match="allows only 0 to 1"):
        check_settings(settings)


@pytest.mark.slow
def test_coachbot_discord_with_a_bad_shard_id_prints_one_line_not_a_trace(tmp_path):
    env = {**os.environ, "DISCORD_TOKEN": "t", "DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "zero",
           "COACHBOT_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bot", "discord"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "DISCORD_SHARD_IDS must be comma-separated shard numbers" in done.stderr
    assert "Traceback" not in done.stderr


def test_doctor_shows_the_shards_and_a_bad_value(tmp_path):
    from bot.ops.doctor import describe_shards

    good = Settings(_env_file=None, data_dir=tmp_path, discord_shard_count="4", discord_shard_ids="0-1")
    bad = Settings(_env_file=None, data_dir=tmp_path, discord_shard_ids="1")
    assert describe_shards(Settings(_env_file=None, data_dir=tmp_path)) == (True, "")
    assert describe_shards(good) == (True, "shard(s) 0, 1 of 4")
    ok, text = describe_shards(bad)
    assert not ok and text.startswith("NOT VALID: DISCORD_SHARD_IDS='1' needs DISCORD_SHARD_COUNT")
