"""Tiers of extra text for `coachbot bench --corpus`: documents collected, de-duplicated, sized and copied per tier."""

from __future__ import annotations

import hashlib
import re
import shutil
import site
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DOC_SUFFIXES = {".md", ".markdown", ".rst", ".txt"}
SITE_PACKAGES = "site-packages"
# Packaging metadata that happens to end in .txt: lists of names, not text anyone wrote to be read.
METADATA_NAMES = {
    "entry_points.txt", "top_level.txt", "sources.txt", "requires.txt", "dependency_links.txt",
    "namespace_packages.txt", "not-zip-safe", "installer", "requested",
}
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    size: int  # bytes
    digest: str  # of the whitespace-normalised text: the same document twice counts once


@dataclass(frozen=True)
class Tier:
    multiple: float  # asked for: extra text of `multiple` times the size of the knowledge folders
    files: tuple[CorpusFile, ...]
    size: int  # bytes of extra text actually in the tier
    base: int  # bytes of the knowledge folders

    @property
    def actual_multiple(self) -> float:
        return self.size / self.base if self.base else 0.0

    @property
    def short(self) -> bool:
        """The corpus ran out before the tier reached its size."""
        return self.size < self.multiple * self.base


def parse_tiers(text: str) -> list[float]:
    """'0,1,10,100' → [0, 1, 10, 100]; 0 is the guide alone. Raises ValueError with a readable message."""
    values = []
    for part in (p.strip().removesuffix("×").removesuffix("x") for p in text.split(",")):
        if not part:
            continue
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"--tiers takes multiples separated by commas (e.g. 0,1,10,100), not {part!r}") from None
        if value < 0 or value != value or value == float("inf"):
            raise ValueError(f"a tier is a multiple of the guide's size, 0 or more, not {part!r}")
        values.append(value)
    if not values:
        raise ValueError("--tiers needs at least one multiple (e.g. 0,1,10,100)")
    return sorted(set(values))


def site_packages_dirs() -> list[Path]:
    """The site-packages folders of the running interpreter (the current venv)."""
    candidates = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    if site.ENABLE_USER_SITE and site.getusersitepackages():
        candidates.append(site.getusersitepackages())
    return [p for p in dict.fromkeys(Path(c).resolve() for c in candidates) if p.is_dir()]


def corpus_roots(specs: Sequence[str]) -> list[Path]:
    """Folders (or files) named on the command line; `site-packages` stands for this venv's packages."""
    roots: list[Path] = []
    for spec in specs:
        if spec == SITE_PACKAGES:
            roots += site_packages_dirs()
            continue
        path = Path(spec).expanduser()
        if not path.exists():
            raise ValueError(f"no such corpus folder: {spec} (give a folder of Markdown/reST/text, or {SITE_PACKAGES})")
        roots.append(path.resolve())
    return list(dict.fromkeys(roots))


def text_digest(data: bytes) -> str | None:
    """Digest of a document's text with whitespace collapsed; None when it is not UTF-8 text or holds none."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    words = " ".join(text.split())
    if not words or "\x00" in words:
        return None
    return hashlib.sha256(words.encode()).hexdigest()


def _document_paths(roots: Iterable[Path]) -> Iterable[Path]:
    for root in roots:
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in candidates:
            if path.suffix.lower() in DOC_SUFFIXES and path.name.lower() not in METADATA_NAMES and path.is_file():
                yield path


def collect(roots: Iterable[Path], exclude: Iterable[Path] = ()) -> list[CorpusFile]:
    """Every distinct text document under the roots, in a stable order that mixes packages (by digest). Files whose
    text equals one under `exclude` (the guide itself) are left out."""
    seen = {d for p in _document_paths(exclude) if (d := text_digest(p.read_bytes()))}
    found: list[CorpusFile] = []
    for path in _document_paths(roots):
        try:
            data = path.read_bytes()
        except OSError:  # unreadable or vanished: not part of the corpus
            continue
        digest = text_digest(data)
        if digest is None or digest in seen:
            continue
        seen.add(digest)
        found.append(CorpusFile(path=path, size=len(data), digest=digest))
    return sorted(found, key=lambda f: f.digest)


def folder_size(paths: Iterable[Path]) -> int:
    """Bytes of the text documents under the given folders (the size a tier is a multiple of)."""
    return sum(p.stat().st_size for p in _document_paths(Path(p) for p in paths))


def plan(files: Sequence[CorpusFile], base: int, multiples: Iterable[float]) -> list[Tier]:
    """Nested tiers: each takes documents in corpus order until it holds `multiple × base` bytes of extra text."""
    tiers = []
    for multiple in sorted(multiples):
        target = multiple * base
        taken, size = 0, 0
        while size < target and taken < len(files):
            size += files[taken].size
            taken += 1
        tiers.append(Tier(multiple=multiple, files=tuple(files[:taken]), size=size, base=base))
    return tiers


def write(tier: Tier, folder: Path) -> Path:
    """Copy the tier's documents into `folder` (created empty), flat and uniquely named. reST is given a .txt name so
    the loader reads it as text."""
    folder.mkdir(parents=True, exist_ok=False)
    for number, document in enumerate(tier.files):
        stem = UNSAFE_NAME.sub("-", f"{document.path.parent.name}-{document.path.name}")[-80:]
        suffix = ".txt" if document.path.suffix.lower() == ".rst" else ""
        shutil.copyfile(document.path, folder / f"{number:05d}-{stem}{suffix}")
    return folder
