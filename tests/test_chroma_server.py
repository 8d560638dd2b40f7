"""`CHROMA_URL`: the coach against a real `chroma run` server process on loopback."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.core.coach import Coach
from bot.models import Platform, Privacy, Question
from bot.settings import Settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_url(tmp_path):
    executable = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    process = subprocess.Popen(
        [executable, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chroma server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_coach_indexes_and_answers_through_a_chroma_server(chroma_url, tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", chroma_url=chroma_url, embeddings="e5")
    coach = Coach.from_settings(settings)
    assert coach.knowledge.store.count() > 0
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally
    answer = coach.answer(Question(platform=Platform.CONSOLE, user="u", privacy=Privacy.DM, text="Was ist der IKEA-Effekt?"))
    assert answer.in_scope and answer.sources[0].section in ("Wichtige Konzepte erklärt", "Hintergrundwissen für KI-Produktmanager")
    again = Coach.from_settings(settings).knowledge.ingest()
    assert again["num_added"] == 0
    # The server client must not leak its address into later embedded clients (chromadb mutates settings).
    embedded = Coach.from_settings(settings.model_copy(update={"chroma_url": None, "embeddings": "hashing"}))
    assert (tmp_path / "data" / "chroma").exists() and embedded.knowledge.store.count() > 0
