"""Every ``$ capexsim ...`` command shown in the README runs, as written, and prints what the
README shows.

A command is a line ``$ capexsim ...`` in a ```` ```text ```` block (a line ending with ``\\``
continues on the next, as in a shell); the lines after it, up to the next command, are its
output as shown (``...`` stands for lines left out). The command runs
through the shell (globs expand as for a reader) with the ``capexsim`` the setup command
installs (``.venv/bin/capexsim``, next to this Python), in a scratch directory holding the
shipped ``scenarios/``. How a shown line is compared depends on a marker comment just before
its block:

``<!-- output: exact -->``
    each shown line appears in the output exactly (trailing spaces aside);
(no marker)
    numbers may drift when the model changes: each shown line, with every number replaced by
    ``#`` and runs of spaces collapsed, appears in the output so normalised (row labels, units
    and wording are checked);
``<!-- output: labels -->``
    only each shown line's label (its first word made of letters and underscores: an event
    kind, a KPI name) must start some output line's words, for outputs whose lines depend on
    the model's events.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXE = Path(sys.executable).with_name("capexsim")

_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\s*$")
_MARK = re.compile(r"<!-- output: (exact|labels) -->")
_NUMBER = re.compile(r"[-+]?\$?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?[%KMBT]?")
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


@dataclass
class Shown:
    """A README command and the output lines it shows."""

    command: str
    mode: str
    lines: list[str] = field(default_factory=list)
    where: int = 0

    def __str__(self) -> str:
        return f"README.md:{self.where}: $ {self.command}"


def shown_commands(text: str) -> list[Shown]:
    """The ``$ capexsim`` commands of the README's text blocks, with their shown output."""
    found: list[Shown] = []
    lines = text.splitlines()
    inside, lang, indent, mode = False, "", "", "numbers"
    current: Shown | None = None
    for number, line in enumerate(lines, start=1):
        fence = _FENCE.match(line)
        if fence and not inside:
            inside, lang, indent = True, fence["lang"], fence["indent"]
            previous = lines[number - 2] if number >= 2 else ""
            marked = _MARK.search(previous)
            mode = marked.group(1) if marked else "numbers"
            continue
        if fence and inside:
            inside, current = False, None
            continue
        if not inside or lang != "text":
            continue
        body = line[len(indent):] if line.startswith(indent) else line
        if current is not None and current.command.endswith("\\") and not current.lines:
            current.command = current.command[:-1].rstrip() + " " + body.strip()
        elif body.startswith("$ capexsim"):
            current = Shown(body[2:], mode, where=number)
            found.append(current)
        elif current is not None and body.strip() and body.strip() != "...":
            current.lines.append(body.rstrip())
    return found


def _normal(line: str) -> str:
    return " ".join(_NUMBER.sub("#", line).split())


def _label(line: str) -> str | None:
    for word in line.split():
        if _LABEL.match(word):
            return word
    return None


def _missing(shown: Shown, output: str) -> list[str]:
    out_lines = [line.rstrip() for line in output.splitlines()]
    if shown.mode == "exact":
        return [line for line in shown.lines if line not in out_lines]
    if shown.mode == "labels":
        labels = {_label(line) for line in out_lines}
        return [line for line in shown.lines if _label(line) not in labels]
    normal = {_normal(line) for line in out_lines}
    return [line for line in shown.lines if _normal(line) not in normal]


COMMANDS = shown_commands(README.read_text(encoding="utf-8"))


def test_the_readme_shows_commands() -> None:
    assert len(COMMANDS) >= 6
    assert all(c.command.startswith("capexsim ") for c in COMMANDS)


def test_the_readme_says_how_to_reach_capexsim() -> None:
    text = README.read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in text
    assert ".venv/bin/capexsim" in text


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("readme")
    (where / "scenarios").symlink_to(ROOT / "scenarios")
    return where


@pytest.mark.slow
@pytest.mark.skipif(not EXE.exists(), reason="capexsim is not installed next to this Python")
@pytest.mark.parametrize("shown", COMMANDS, ids=[c.command for c in COMMANDS])
def test_a_readme_command_runs_as_written(shown: Shown, workdir: Path) -> None:
    command = str(EXE) + shown.command[len("capexsim"):]
    done = subprocess.run(command, shell=True, cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "CI": "true"}, timeout=1800, check=False)
    assert done.returncode == 0, (str(shown), done.stderr)
    assert "Traceback" not in done.stderr
    missing = _missing(shown, done.stdout)
    assert not missing, (f"{shown}: shown lines not in the output ({shown.mode}):", missing,
                         done.stdout)
