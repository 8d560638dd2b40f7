"""The terminal adapter: a REPL for chatting with the coach, like errbot's Text backend (no tokens, no network)."""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Callable
from typing import TextIO

from dataclasses import dataclass

from bot.models import Action, ActionKind, Answer, Offer, Platform, Privacy, Question
from bot.ports import CoachPort

PROMPT = "you › "
BOLD = re.compile(r"\*\*(.+?)\*\*")
COMMANDS = {
    "/help": "what the coach can do",
    "/topics": "the guide's sections",
    "/profile": "see what the coach knows about you; `/profile <correction>` or `/profile clear` to change it",
    "/journey": "start a guided journey (`/journey` lists them)",
    "/forget": "erase what the coach remembers about you",
    "/quit": "leave (Ctrl-D works too)",
}


@dataclass(frozen=True)
class Choice:
    """One numbered line under an answer: a suggested question to ask, or a button (an offer) to press."""

    label: str
    action: Action | None = None


def choices(answer: Answer) -> list[Choice]:
    """What the numbers under an answer pick, in display order: a journey's options, follow-ups, then controls."""
    steps = [o for o in answer.offers if o.action.kind is not ActionKind.CONTROL]
    controls = [o for o in answer.offers if o.action.kind is ActionKind.CONTROL]
    return [
        *(Choice(o.label, o.action) for o in steps),
        *(Choice(q) for q in answer.follow_ups),
        *(Choice(o.label, o.action) for o in controls),
    ]


def render_answer(answer: Answer, *, interactive: bool = False) -> str:
    """An answer as terminal text: body, notice, sources, then numbered choices (pickable by number in the chat):
    a journey step's options, suggested follow-ups, and the controls on one line."""
    german = answer.language == "de"
    lines = [answer.text]
    if answer.notice:
        lines += ["", f"({answer.notice})"]
    if answer.sources:
        lines += ["", ("Quellen" if german else "Sources") + ": " + "; ".join(f"§ {s.title}" for s in answer.sources)]
    numbered = list(enumerate(choices(answer), 1))
    hint = (" (Nummer eintippen)" if german else " (type the number)") if interactive else ""
    steps = [(n, c) for n, c in numbered if c.action is not None and c.action.kind is not ActionKind.CONTROL]
    asks = [(n, c) for n, c in numbered if c.action is None]
    controls = [(n, c) for n, c in numbered if c.action is not None and c.action.kind is ActionKind.CONTROL]
    if steps:
        lines += ["", ("Wähle" if german else "Choose") + f"{hint}:", *(f"  {n}. {c.label}" for n, c in steps)]
        hint = ""
    if asks:
        lines += ["", ("Weiterfragen" if german else "Ask next") + f"{hint}:", *(f"  {n}. {c.label}" for n, c in asks)]
    if controls:
        lines += ["", ("Oder" if german else "Or") + ": " + " · ".join(f"{n} {c.label}" for n, c in controls)]
    return "\n".join(lines)


class ConsoleChat:
    """Reads questions line by line; a number picks one of the numbered choices under the last answer."""

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
        self.choices: list[Choice] = []
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

    def question(self, text: str, action: Action | None = None) -> Question:
        return Question(
            platform=Platform.CONSOLE,
            channel=self.conversation,
            user=self.user,
            privacy=Privacy.DM,
            text=text,
            action=action,
            language_hint=self.language if action is not None or not text else None,
        )

    def ask(self, text: str, action: Action | None = None) -> None:
        answer = self.coach.answer(self.question(text, action))
        self.choices = choices(answer)
        self.language = answer.language
        self.say(render_answer(answer, interactive=True))

    def journey(self, argument: str) -> None:
        """`/journey` lists the journeys as numbered choices; `/journey <number, id or words>` starts one."""
        offers: list[Offer] = self.coach.journeys(self.language)
        wanted = argument.strip().lower()
        picked = next(
            (o for n, o in enumerate(offers, 1) if wanted and wanted in (str(n), o.action.value, o.label.lower())), None
        )
        if picked is None and wanted:
            picked = next((o for o in offers if wanted in o.label.lower()), None)
        if picked is not None:
            self.stdout.write(f"      {picked.label}\n")
            self.ask(picked.label, picked.action)
            return
        self.choices = [Choice(o.label, o.action) for o in offers]
        title = "Geführte Journeys (Nummer eintippen):" if self.language == "de" else "Guided journeys (type the number):"
        self.say("\n".join([title, *(f"  {n}. {o.label}" for n, o in enumerate(offers, 1))]))

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
        elif command == "/profile" or command.startswith("/profile "):
            answer = self.coach.profile(self.question(text[len("/profile"):].strip()))
            self.say(answer.text)
        elif command == "/journey" or command.startswith("/journey "):
            self.journey(text[len("/journey"):])
        elif text.isdigit() and 1 <= int(text) <= len(self.choices):
            choice = self.choices[int(text) - 1]
            self.stdout.write(f"      {choice.label}\n")
            self.ask(choice.label, choice.action)
        else:
            self.ask(text)
        return True

    def run(self) -> None:
        self.say(
            "Hi! I'm PM Coach. Ask me about becoming an AI product manager, in English or German. "
            "Type /help for commands, /quit to leave."
        )
        for reminder in self.coach.due_reminders(Platform.CONSOLE, self.user):
            self.say(reminder.text)
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
