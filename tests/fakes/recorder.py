"""Every request the adapters send to the fakes in this test session, kept for the conformance check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Recorder:
    """The fakes append what they receive; tests/conformance/plugin.py validates it after every test."""

    slack: list[Any] = field(default_factory=list)  # tests.fakes.slack_web_api.Call (Web API and response_url)
    discord: list[Any] = field(default_factory=list)  # tests.fakes.discord_server.Recorded

    def mark(self) -> tuple[int, int]:
        return len(self.slack), len(self.discord)

    def since(self, mark: tuple[int, int]) -> tuple[list[Any], list[Any]]:
        return self.slack[mark[0] :], self.discord[mark[1] :]


RECORDER = Recorder()  # one per test session: fakes are created in many fixtures, the check runs in one place
