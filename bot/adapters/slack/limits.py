"""Slack's documented argument limits, and how one over-long Web API call becomes calls that each fit."""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.slack.mrkdwn import SECTION_LIMIT, pieces

# Longest value per (method, argument), with the page that documents it.
TEXT_LIMITS: dict[tuple[str, str], int] = {
    # "Slack will truncate messages containing more than 40,000 characters":
    # https://docs.slack.dev/changelog/2018-04-truncating-really-long-messages
    ("chat.postMessage", "text"): 40_000,
    ("chat.postEphemeral", "text"): 40_000,
    ("chat.update", "text"): 40_000,
    # "markdown_text … Limit this field to 12,000 characters":
    # https://docs.slack.dev/reference/methods/chat.startStream, …/chat.appendStream, …/chat.stopStream
    ("chat.startStream", "markdown_text"): 12_000,
    ("chat.appendStream", "markdown_text"): 12_000,
    ("chat.stopStream", "markdown_text"): 12_000,
}
# "Maximum length for the text in this field is 3000 characters" (section block `text`):
# https://docs.slack.dev/reference/block-kit/blocks/section-block
SECTION_TEXT_LIMIT = SECTION_LIMIT
# "You can include up to 50 blocks in each message": https://docs.slack.dev/reference/block-kit/blocks
MAX_BLOCKS = 50
STREAM_METHODS = ("chat.startStream", "chat.appendStream", "chat.stopStream")
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral")


@dataclass
class Step:
    """One call of a split request; `stream_ts` asks the sender to fill in `ts` from the stream's start."""

    method: str
    args: dict
    stream_ts: bool = False


def _split_sections(blocks: list) -> list:
    """Section blocks whose mrkdwn text is over the limit become several sections, in order."""
    out: list = []
    for block in blocks:
        text = block.get("text") if isinstance(block, dict) and block.get("type") == "section" else None
        if not isinstance(text, dict) or len(text.get("text") or "") <= SECTION_TEXT_LIMIT:
            out.append(block)
            continue
        parts = pieces(text["text"], SECTION_TEXT_LIMIT)
        for index, part in enumerate(parts):
            piece = {key: value for key, value in block.items() if key not in ("block_id", "accessory")}
            if index == 0 and "block_id" in block:
                piece["block_id"] = block["block_id"]
            if index == len(parts) - 1 and "accessory" in block:
                piece["accessory"] = block["accessory"]
            piece["text"] = {**text, "text": part}
            out.append(piece)
    return out


def _message_steps(method: str, args: dict) -> list[Step]:
    """chat.postMessage / postEphemeral: text over its limit and blocks past 50 continue in follow-up messages."""
    limit = TEXT_LIMITS[(method, "text")]
    blocks = _split_sections(args["blocks"]) if isinstance(args.get("blocks"), list) else None
    text = args.get("text")
    texts = pieces(text, limit) if isinstance(text, str) and len(text) > limit else [text]
    block_groups = [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)] if blocks else [blocks]
    place = {k: v for k, v in args.items() if k in ("channel", "user", "thread_ts", "unfurl_links", "unfurl_media")}
    steps = []
    if blocks:
        # With blocks, `text` is only the notification fallback: the first message keeps a clipped copy.
        first = dict(args, blocks=block_groups[0], text=texts[0])
        steps.append(Step(method, first))
        steps += [Step(method, dict(place, blocks=group, text="…")) for group in block_groups[1:]]
        return steps
    steps.append(Step(method, dict(args, text=texts[0])))
    steps += [Step(method, dict(place, text=part)) for part in texts[1:]]
    return steps


def _stream_steps(method: str, args: dict) -> list[Step]:
    """Streaming: the markdown beyond 12,000 characters goes out in further chat.appendStream calls."""
    text = args.get("markdown_text")
    if not isinstance(text, str) or len(text) <= TEXT_LIMITS[(method, "markdown_text")]:
        return [Step(method, args)]
    parts = pieces(text, TEXT_LIMITS[(method, "markdown_text")])
    channel = args.get("channel")
    if method == "chat.stopStream":  # the stop must come last: append all but the final part first
        appends = [Step("chat.appendStream", {"channel": channel, "ts": args.get("ts"), "markdown_text": p}) for p in parts[:-1]]
        return appends + [Step(method, dict(args, markdown_text=parts[-1]))]
    head = Step(method, dict(args, markdown_text=parts[0]))
    follow = method == "chat.startStream"
    tail = [
        Step("chat.appendStream", {"channel": channel, "ts": args.get("ts"), "markdown_text": p}, stream_ts=follow)
        for p in parts[1:]
    ]
    return [head, *tail]


def fit(method: str, args: dict) -> list[Step]:
    """The calls that together carry `args` within Slack's limits (one call when it already fits)."""
    if method in STREAM_METHODS:
        return _stream_steps(method, args)
    if method in MESSAGE_METHODS:
        return _message_steps(method, args)
    if method == "chat.update":
        # An edit cannot continue elsewhere (no thread is known): the text is cut, sections are split.
        update = dict(args)
        if isinstance(update.get("text"), str):
            update["text"] = pieces(update["text"], TEXT_LIMITS[(method, "text")])[0]
        if isinstance(update.get("blocks"), list):
            update["blocks"] = _split_sections(update["blocks"])[:MAX_BLOCKS]
        return [Step(method, update)]
    return [Step(method, args)]
