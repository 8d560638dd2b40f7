"""Text between Slack and the core: Slack markup to plain text, Markdown to mrkdwn, and mass-ping defusing."""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.wire import scrub

ZWSP = "\u200b"
SECTION_LIMIT = 3000

_MASS_PING_TOKEN = re.compile(r"<!(?P<body>[^>]*)>")
_MASS_PING_WORD = re.compile(r"(?<![\w@])@(?P<word>channel|here|everyone|group)(?![A-Za-z0-9])", re.IGNORECASE)
_USER_MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|(?P<label>[^>]*))?>")
_CHANNEL_LINK = re.compile(r"<#(?P<id>[CGD][A-Z0-9]+)(?:\|(?P<label>[^>]*))?>")
_MENTION_OPEN = re.compile(r"<(?=[@#])")
_URL_LINK = re.compile(r"<(?P<url>(?:https?|mailto|tel):[^>|]+)(?:\|(?P<label>[^>]*))?>")

_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_MD_LINK = re.compile(r"\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(?P<body>.+?)(?<=\S)\1")
_MD_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)(?P<body>[^*\n]+?)(?<=\S)\*(?![*\w])")
_MD_STRIKE = re.compile(r"~~(?=\S)(?P<body>.+?)(?<=\S)~~")
_MD_HEADING = re.compile(r"^#{1,6}\s+(?P<body>.+?)\s*#*\s*$", re.MULTILINE)
_MD_BULLET = re.compile(r"^(?P<indent>\s*)[-*+]\s+", re.MULTILINE)


def _ping_label(body: str) -> str:
    """`channel`, `here|here`, `subteam^S123|@pms` -> a readable word for the defused ping."""
    head, _, label = body.partition("|")
    if label:
        return label.lstrip("@")
    if head.startswith("subteam^"):
        return "group"
    return head.split("^", 1)[0] or "mention"


def neutralise(text: str) -> str:
    """Defuse every broadcast ping (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`, bare `@here`…).

    A zero-width space after the `@` keeps the word readable but stops Slack from notifying anyone;
    any `<!` left over (e.g. half a token split across stream chunks) is broken up the same way."""
    text = _MASS_PING_TOKEN.sub(lambda m: "@" + ZWSP + _ping_label(m.group("body")), text)
    text = _MASS_PING_WORD.sub(lambda m: "@" + ZWSP + m.group("word"), text)
    return text.replace("<!", "<" + ZWSP + "!")


def neutralise_markdown(text: str) -> str:
    """`neutralise`, and user and channel mentions (`<@U…>`, `<#C…>`) broken up too: for model-written
    markdown (chat streaming's `markdown_text`), which is not escaped like mrkdwn. A `<` ending the text
    is broken as well, since a streamed chunk's token may continue in the next chunk."""
    text = _MENTION_OPEN.sub("<" + ZWSP, neutralise(text))
    return text + ZWSP if text.endswith("<") else text


def neutralise_payload(value: Any) -> Any:
    """`neutralise` every string inside a Web API payload (dicts, lists, nested blocks)."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, dict):
        return {key: neutralise_payload(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [neutralise_payload(item) for item in value]
    return value


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def from_slack(text: str, bot_user_id: str | None = None) -> str:
    """Slack message markup -> the plain text the core expects: the bot's own mention removed,
    other mentions, channels and links turned into readable words, entities decoded, lone surrogates replaced."""

    def user(match: re.Match[str]) -> str:
        if bot_user_id and match.group("id") == bot_user_id:
            return " "
        return "@" + (match.group("label") or match.group("id"))

    text = _USER_MENTION.sub(user, scrub(text or ""))
    text = _CHANNEL_LINK.sub(lambda m: "#" + (m.group("label") or m.group("id")), text)
    text = _URL_LINK.sub(lambda m: m.group("label") or m.group("url").removeprefix("mailto:"), text)
    text = _MASS_PING_TOKEN.sub(lambda m: "@" + _ping_label(m.group("body")), text)
    text = unescape(text)
    return re.sub(r"[ \t]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


def to_mrkdwn(markdown: str) -> str:
    """The core's Markdown (`**bold**`, `*italic*`, `# heading`, `- bullet`, `[label](url)`) -> Slack mrkdwn.

    Everything is escaped first, so no text from the core can smuggle in Slack control sequences."""
    codes: list[str] = []

    def keep_code(match: re.Match[str]) -> str:
        codes.append(match.group(0))
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE.sub(keep_code, escape(markdown))
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        links.append(f"<{match.group('url')}|{match.group('label').replace('|', '/')}>")
        return f"\x01{len(links) - 1}\x01"

    text = _MD_LINK.sub(keep_link, text)
    # Bold first becomes a placeholder so the italic rule cannot mistake Slack's `*bold*` for italics.
    text = _MD_HEADING.sub(lambda m: "\x02" + m.group("body") + "\x02", text)
    text = _MD_BOLD.sub(lambda m: "\x02" + m.group("body") + "\x02", text)
    text = _MD_ITALIC.sub(lambda m: "_" + m.group("body") + "_", text)
    text = _MD_STRIKE.sub(lambda m: "~" + m.group("body") + "~", text)
    text = _MD_BULLET.sub(lambda m: m.group("indent") + "• ", text)
    text = text.replace("\x02", "*")
    text = re.sub("\x01(\\d+)\x01", lambda m: links[int(m.group(1))], text)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], text)


def to_plain(markdown: str) -> str:
    """Markdown -> plain text for `plain_text` fields (buttons, notifications)."""
    text = _MD_LINK.sub(lambda m: m.group("label"), markdown)
    text = _MD_BOLD.sub(lambda m: m.group("body"), text)
    text = _MD_ITALIC.sub(lambda m: m.group("body"), text)
    text = _MD_HEADING.sub(lambda m: m.group("body"), text)
    return text.replace("`", "")


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))].rstrip() + ellipsis


def _hard_cut(text: str, limit: int) -> int:
    """Where to cut a run with no whitespace: never inside an `&amp;`-style entity or a `<…>` token."""
    amp = text.rfind("&", max(0, limit - 5), limit)
    if amp > 0 and ";" not in text[amp:limit]:
        return amp
    token = text.rfind("<", max(0, limit - 40), limit)
    return token if token > 0 and ">" not in text[token:limit] else limit


def _cut(text: str, limit: int) -> int:
    """Where to end a piece of at most `limit` characters: after a paragraph, line or word break if any."""
    window = text[:limit]
    for sep in ("\n\n", "\n", " "):
        at = window.rfind(sep)
        if at > 0:
            return at + len(sep)
    return _hard_cut(text, limit)


def pieces(text: str, limit: int) -> list[str]:
    """Split `text` into pieces of at most `limit` characters that join back to exactly `text`."""
    out: list[str] = []
    while len(text) > limit:
        cut = _cut(text, limit)
        out.append(text[:cut])
        text = text[cut:]
    return out + [text] if text or not out else out


def split_sections(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split mrkdwn into chunks of at most `limit` characters, preferring paragraph, line, then word breaks."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > 0:
                break
        if cut <= 0:
            cut = _hard_cut(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def flushable(buffer: str, max_hold: int = 64) -> tuple[str, str]:
    """Split streamed text into what can be sent now and a short tail held back until its word ends,
    so a ping token (`<!here>`, `@channel`) never straddles two stream chunks undetected."""
    if not buffer or buffer[-1].isspace():
        return buffer, ""
    cut = max(buffer.rfind(" "), buffer.rfind("\n"), buffer.rfind("\t"))
    if cut < 0 or len(buffer) - cut - 1 > max_hold:
        return ("", buffer) if len(buffer) <= max_hold else (buffer, "")
    return buffer[: cut + 1], buffer[cut + 1 :]
