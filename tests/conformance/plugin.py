"""After every test, the requests the adapters sent to the fakes are checked against the platforms' specs."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.conformance import discord_rules, slack_rules
from tests.fakes.recorder import RECORDER


@dataclass
class Tally:
    slack: int = 0
    discord: int = 0
    violations: list[str] = field(default_factory=list)
    tolerated: int = 0  # Slack requests carrying slack_sdk's own team_id
    discord_py: dict[str, int] = field(default_factory=dict)  # discord.py's own extras, by kind


TALLY = Tally()


def slack_violations(call) -> list[str]:
    if call.method.startswith("response_url:"):
        return slack_rules.response_url_violations(call.content_type, call.body or {})
    return slack_rules.violations(call.method, call.content_type, call.query, call.body)


def check(slack: list, discord: list) -> list[str]:
    found = [f"Slack {c.method}: {v}" for c in slack for v in slack_violations(c)]
    found += [f"Discord {r.method} {r.path}: {v}" for r in discord
              for v in discord_rules.violations(r.method, r.path, r.content_type, r.query, r.body)]
    return found


@pytest.fixture(autouse=True)
def conformance():
    """Fails the test (at teardown) when an adapter sent a request the platform's spec does not allow."""
    mark = RECORDER.mark()
    yield
    slack, discord = RECORDER.since(mark)
    found = check(slack, discord)
    TALLY.slack += len(slack)
    TALLY.discord += len(discord)
    TALLY.violations += found
    TALLY.tolerated += sum(1 for c in slack if not c.method.startswith("response_url:")
                           and slack_rules.tolerated(c.method, c.query, c.body))
    for r in discord:
        for kind in discord_rules.tolerated(r.method, r.path, r.body):
            TALLY.discord_py[kind] = TALLY.discord_py.get(kind, 0) + 1
    if found:
        pytest.fail("requests that do not conform to the platform's spec:\n" + "\n".join(found[:20]), pytrace=False)


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLY.slack or TALLY.discord:
        terminalreporter.write_line(
            f"conformance: {TALLY.slack} Slack and {TALLY.discord} Discord requests checked against the specs, "
            f"{len(TALLY.violations)} violation(s); tolerated (added by the libraries): "
            + ", ".join([f"{TALLY.tolerated} with slack_sdk's team_id"]
                        + [f"{n} with discord.py's {kind}" for kind, n in sorted(TALLY.discord_py.items())])
        )
