"""The terminal adapter: a REPL for chatting with the coach, like errbot's Text backend (no tokens, no network)."""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Callable
from typing import TextIO

from bot.models import Answer, Platform, Privacy, Question
from bot.ports import CoachPort

PROMPT = "you › "
BOLD = re.compile(r"\*\*(.+?)\*\*")
COMMANDS = {
    "/help": "what the coach can do",
    "/topics": "the guide's sections",
    "/forget": "erase what the coach remembers about you",
    "/quit": "leave (Ctrl-D works too)",
}


def render_answer(answer: Answer, *, interactive: bool = False) -> str:
    """An answer as terminal text: body, notice, sources, numbered follow-ups (pickable by number in the chat)."""
    lines = [answer.text]
    if answer.notice:
        lines += ["", f"({answer.notice})"]
    if answer.sources:
        label = "Quellen" if answer.language == "de" else "Sources"
        lines += ["", f"{label}: " + "; ".join(f"§ {s.title}" for s in answer.sources)]
    if answer.follow_ups:
        label = "Weiterfragen" if answer.language == "de" else "Ask next"
        if interactive:
            label += " (Nummer eintippen)" if answer.language == "de" else " (type the number)"
        lines += ["", f"{label}:"]
        lines += [f"  {i}. {q}" for i, q in enumerate(answer.follow_ups, 1)]
    return "\n".join(lines)


class ConsoleChat:
    """Reads questions line by line; a number picks one of the last answer's suggested follow-ups."""

    def __init__(
        self,
        coach: CoachPort,
        *,
        user: str | None = None,
        conversation: str = "terminal",
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        read: Callable[[str], str] | None = None,
    ) -> None:
        self.coach = coach
        self.user = user or _login_name()
        self.conversation = conversation
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.read = read or self._read_line
        self.follow_ups: list[str] = []
        self.language = "en"

    def _read_line(self, prompt: str) -> str:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line

    def say(self, text: str) -> None:
        # Markdown bold becomes real bold on a terminal and plain text elsewhere (pipes, logs).
        text = BOLD.sub("\033[1m\\1\033[0m" if self.stdout.isatty() else "\\1", text)
        self.stdout.write(f"coach › {text}\n\n")
        self.stdout.flush()

    def question(self, text: str) -> Question:
        return Question(
            platform=Platform.CONSOLE, channel=self.conversation, user=self.user, privacy=Privacy.DM, text=text
        )

    def handle(self, line: str) -> bool:
        """Handle one line; False means the user wants to leave."""
        text = line.strip()
        command = text.lower()
        if command in ("/quit", "/exit", "quit", "exit"):
            return False
        if command == "/help":
            commands = "\n".join(f"- `{name}`: {what}" for name, what in COMMANDS.items())
            self.say(f"{self.coach.help_text(self.language)}\n\n{commands}")
        elif command == "/topics":
            topics = self.coach.topics(self.language)
            self.say("\n".join(f"- **{t.title}**: {t.summary}" for t in topics))
        elif command == "/forget":
            removed = self.coach.forget(Platform.CONSOLE, self.user)
            self.say(f"Done: {removed} stored item(s) erased." if self.language == "en" else f"Erledigt: {removed} Einträge gelöscht.")
        else:
            if text.isdigit() and 1 <= int(text) <= len(self.follow_ups):
                text = self.follow_ups[int(text) - 1]
                self.stdout.write(f"      {text}\n")
            answer = self.coach.answer(self.question(text))
            self.follow_ups = list(answer.follow_ups)
            self.language = answer.language
            self.say(render_answer(answer, interactive=True))
        return True

    def run(self) -> None:
        self.say(
            "Hi! I'm PM Coach. Ask me about becoming an AI product manager, in English or German. "
            "Type /help for commands, /quit to leave."
        )
        while True:
            try:
                line = self.read(PROMPT)
            except (EOFError, KeyboardInterrupt):
                self.stdout.write("\n")
                return
            if not self.handle(line):
                return


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "local"
