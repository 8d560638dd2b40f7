"""Index integrity: start-up, `ingest` and `doctor` notice a vector store out of step with its records and repair it."""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.integrity import IndexIntegrityError
from bot.ops.cli import main
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How do I become an AI product manager?"


@pytest.fixture
def settings(tmp_path):
    return Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing")


@pytest.fixture
def indexed(settings):
    """A data dir with the guide indexed, closed again."""
    count = KnowledgeBase.open(settings).store.count()
    assert count > 300
    return count


def lose_vector_store(settings: Settings) -> None:
    """Delete chroma/ and keep state.sqlite3, as an operator repairing a corrupt index would (in another process,
    which is why chromadb's per-process client cache is cleared too)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    shutil.rmtree(settings.chroma_dir)
    SharedSystemClient.clear_system_cache()


def in_scope(knowledge: KnowledgeBase) -> bool:
    return knowledge.scope.judge(QUESTION, knowledge.retrieve(QUESTION)).in_scope


def test_a_deleted_vector_store_with_kept_records_is_rebuilt_at_start(settings, indexed, caplog):
    lose_vector_store(settings)
    caplog.set_level(logging.WARNING)
    knowledge = KnowledgeBase.open(settings)
    assert knowledge.store.count() == indexed
    assert knowledge.store.repaired and "vector store holds 0" in knowledge.store.repaired
    assert any("out of step" in r.getMessage() for r in caplog.records)
    assert knowledge.store.check().consistent
    assert in_scope(knowledge)


def test_lost_records_with_a_kept_vector_store_are_rebuilt_too(settings, indexed):
    settings.state_db.unlink()
    knowledge = KnowledgeBase.open(settings)
    assert knowledge.store.repaired and "records list 0" in knowledge.store.repaired
    assert knowledge.store.check().consistent and knowledge.store.count() == indexed
    assert KnowledgeBase.open(settings).store.repaired is None  # whole again: the next start skips all work


def test_vectors_missing_behind_a_matching_count_are_found_by_the_id_sample(settings, indexed):
    store = KnowledgeBase.open(settings, sync=False).store
    ids = store.collection.get(include=[])["ids"]
    store.collection.delete(ids=ids[:40])
    store.collection.add(ids=[f"stray-{i}" for i in range(40)], embeddings=[[0.1] * 1024] * 40)
    check = store.check()
    assert check.recorded == check.stored and not check.consistent and check.missing
    assert KnowledgeBase.open(settings).store.check().consistent


def test_ingest_says_it_repaired_the_index(settings, indexed, capsys):
    lose_vector_store(settings)
    assert main(["ingest"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "repaired: the index was out of step with its records" in out
    assert f"guide: {indexed} chunks" in out


def test_doctor_reports_the_repair_and_a_consistent_index(settings, indexed, capsys):
    lose_vector_store(settings)
    assert main(["doctor"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "REPAIRED at start" in out and "consistent with its records" in out


def test_an_index_that_cannot_be_rebuilt_is_a_clear_error_and_a_non_zero_exit(settings, indexed, monkeypatch, capsys):
    lose_vector_store(settings)

    def refuse(*args, **kwargs):
        raise RuntimeError("the vector store refuses writes")

    monkeypatch.setattr("langchain_core.indexing.index", refuse)
    with pytest.raises(IndexIntegrityError, match="out of step with its records .* re-indexing failed"):
        KnowledgeBase.open(settings)
    # The failed repair dropped the stale records: later starts see an empty index and try to build it.
    assert main(["ask", "--json", QUESTION], settings=settings) == 1
    assert "coachbot ask: the vector store refuses writes" in capsys.readouterr().err
    assert main(["doctor"], settings=settings) == 1
    out = capsys.readouterr().out
    assert "NOT AVAILABLE" in out and "chat / ask   no" in out


def test_doctor_fails_when_the_coach_could_not_answer_from_an_empty_index(tmp_path, capsys):
    empty = tmp_path / "no-guide"
    empty.mkdir()
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", embeddings="hashing", knowledge_dirs=[str(empty)])
    assert main(["doctor"], settings=settings) == 1
    out = capsys.readouterr().out
    assert "EMPTY" in out and "chat / ask   no" in out


def test_doctor_fails_when_the_index_does_not_answer_questions_about_its_guide(settings, indexed, monkeypatch, capsys):
    from bot.core.scope import ScopeJudge, ScopeVerdict

    monkeypatch.setattr(ScopeJudge, "judge", lambda self, text, retrieval: ScopeVerdict(False, 0.0, "test"))
    assert main(["doctor"], settings=settings) == 1
    assert "CANNOT ANSWER" in capsys.readouterr().out


def _as_unprivileged_user() -> list[str]:
    """Root ignores file modes: run the child as nobody (setpriv) so the read-only folder really is read-only."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a folder read-only")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _make_read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)  # readable by all: the child may run as another user


@pytest.mark.slow
def test_a_read_only_data_dir_with_an_index_answers_writes_nothing_and_doctor_says_so():
    data = Path(tempfile.mkdtemp(prefix="coach-ro-"))  # not under pytest's tmp: the child user must reach it
    try:
        settings = Settings(_env_file=None, data_dir=data, embeddings="hashing")
        assert main(["ask", "--json", QUESTION], settings=settings) == 0  # builds the index and the state file
        _make_read_only(data)
        before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
        env = {**os.environ, "COACHBOT_DATA_DIR": str(data), "EMBEDDINGS": "hashing", "HOME": str(data)}
        command = [*_as_unprivileged_user(), sys.executable, "-m", "bot"]
        asked = subprocess.run([*command, "ask", "--json", QUESTION], env=env, cwd=ROOT, capture_output=True,
                               text=True, timeout=120)
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["in_scope"]
        assert "read-only mode" in asked.stderr
        doctor = subprocess.run([*command, "doctor"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "READ-ONLY mode" in doctor.stdout and "chat / ask   yes" in doctor.stdout
        ingest = subprocess.run([*command, "ingest"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert ingest.returncode == 1 and "is read-only, so the index cannot be updated" in ingest.stderr
        assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before
    finally:
        for path in [data, *data.rglob("*")]:
            path.chmod(stat.S_IRWXU)
        shutil.rmtree(data)
