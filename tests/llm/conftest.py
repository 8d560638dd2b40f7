"""Shared guide passages for the generation tests."""

from __future__ import annotations

import pytest

from bot.models import Source


@pytest.fixture
def passages() -> list[Source]:
    return [
        Source(
            section="Wie man ein KI-Produktmanager wird",
            title="How to become an AI product manager",
            lang="de",
            snippet="Konzentriere dich auf das Problem, nicht auf die Technologie. Baue Prototypen.",
            score=0.91,
        ),
        Source(
            section="Die verschiedenen Rollen im KI-Produktmanagement",
            title="The different roles in AI product management",
            lang="en",
            snippet="There are platform PMs, AI-native PMs and AI-enabled PMs.",
            score=0.55,
        ),
    ]
