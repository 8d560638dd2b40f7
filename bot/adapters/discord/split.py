"""Split Markdown into chunks of at most N characters, breaking at paragraphs, lines or spaces, never inside a
word when avoidable, and keeping ``` code blocks whole (or closed and reopened if one is longer than a chunk)."""

from __future__ import annotations

from dataclasses import dataclass

FENCE = "```"
CLOSE = "\n" + FENCE


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # index of the line's "\n", or len(text) for the last line
    fence_before: str | None  # the open fence's opening line before this line, None outside code
    fence_after: str | None
    opens_fence: bool


@dataclass(frozen=True)
class _Cut:
    at: int
    fence: str | None  # the fence still open at the cut
    quality: int  # 3 paragraph break, 2 line break, 1 space, 0 hard
    skip: int  # separator characters dropped after the cut


def _is_closing(stripped: str) -> bool:
    return stripped.startswith(FENCE) and stripped.strip("`") == ""


def _scan(text: str, fence: str | None) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        before = fence
        opens = False
        if fence is None and stripped.startswith(FENCE):
            one_liner = len(stripped) > 2 * len(FENCE) and stripped.endswith(FENCE)
            if not one_liner:
                fence, opens = stripped, True
        elif fence is not None and _is_closing(stripped):
            fence = None
        lines.append(_Line(pos, pos + len(raw), before, fence, opens))
        pos += len(raw) + 1
    return lines


def _candidates(text: str, lines: list[_Line], budget: int) -> list[_Cut]:
    cuts: list[_Cut] = []
    for index, line in enumerate(lines):
        if line.start > budget:
            break
        if 0 < line.end <= budget and line.end < len(text) and not line.opens_fence:
            blank_next = index + 1 < len(lines) and lines[index + 1].start == lines[index + 1].end
            blank_here = line.start == line.end
            quality = 3 if line.fence_after is None and (blank_next or blank_here) else 2
            cuts.append(_Cut(line.end, line.fence_after, quality, 1))
        if line.opens_fence or (line.fence_before is not None and _is_closing(text[line.start : line.end].strip())):
            continue
        for pos in range(line.start + 1, min(line.end, budget + 1)):
            if text[pos] == " " and text[pos - 1] != " ":
                cuts.append(_Cut(pos, line.fence_before, 1, 1))
    return cuts


def _choose(text: str, lines: list[_Line], budget: int) -> _Cut:
    cuts = _candidates(text, lines, budget)
    closed = [c for c in cuts if c.fence is None and c.at <= budget]
    for quality in (3, 2, 1):
        best = max((c for c in closed if c.quality == quality), key=lambda c: c.at, default=None)
        if best is not None and best.at >= budget // 2:
            return best
    if closed:
        return max(closed, key=lambda c: (c.at, c.quality))
    inside = [c for c in cuts if c.fence is not None and c.at <= budget - len(CLOSE)]
    if inside:
        return max(inside, key=lambda c: (c.quality > 1, c.at))
    line = next((ln for ln in lines if ln.start <= budget <= ln.end), lines[-1])
    fence = line.fence_before if not line.opens_fence else None
    at = budget - len(CLOSE) if fence is not None else budget
    return _Cut(max(1, at), fence, 0, 0)


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters; joined they read as the original (fences are re-opened as needed)."""
    if limit < 40:
        raise ValueError("limit too small to split Markdown safely")
    rest = text.strip()
    fence: str | None = None
    chunks: list[str] = []
    while rest:
        prefix = f"{fence}\n" if fence else ""
        if len(prefix) + len(rest) <= limit:
            chunks.append(prefix + rest)
            break
        budget = limit - len(prefix)
        lines = _scan(rest, fence)
        cut = _choose(rest, lines, budget)
        piece = rest[: cut.at].rstrip()
        if cut.fence is not None:
            piece += CLOSE
        if piece.strip() and piece.strip() != FENCE:
            chunks.append(prefix + piece)
        rest = rest[cut.at + cut.skip :]
        fence = cut.fence
        if fence is None:
            rest = rest.lstrip("\n")
        elif _is_closing(rest.lstrip("\n").split("\n", 1)[0].strip()):
            # the block ends right here: close it in this chunk rather than open an empty one next
            rest = rest.lstrip("\n").split("\n", 1)[1].lstrip("\n") if "\n" in rest.lstrip("\n") else ""
            fence = None
    return chunks
