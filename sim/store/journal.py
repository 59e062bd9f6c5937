"""The journal of a run directory: what each line vouches for, and the check of every file.

Each line is one JSON object with a ``check`` field, the first 16 hex digits of the SHA-256 of
the line's other fields (canonical JSON), so a garbled line is told from a good one. Three
kinds of line:

``{"start": a, "stop": b, "files": {name: [size, sha256], ...}}``
    batch ``a..b-1`` is done: its fragments (``fragments/<name>``) hold exactly these bytes;
``{"checkpoint": k, "covers": [[a, b], ...], "files": {...}}``
    ``fragments/checkpoint-<k>.npz`` is the merged series sketch of the replications in the
    ``covers`` ranges (their per-batch sketches are then deleted);
``{"final": {name: [size, sha256], ...}}``
    the final files of a complete run.

:func:`scan` reads the journal and checks every file it names (existence, size, SHA-256)
without changing anything; ``--resume`` (:class:`~sim.store.rundir.RunDirectory`) and
``capexsim verify`` act on its findings. A torn last line (no newline: a kill while appending)
is expected after a crash and is not damage; any other unreadable line is, and is reported
with its line number. ``scenario.json`` is checked against the manifest's ``scenario_hash``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.store.files import digest

__all__ = ["Files", "Scan", "batch_line", "checkpoint_line", "covered", "final_line",
           "merge_ranges", "record", "scan"]

Interval = tuple[int, int]
Files = dict[str, list[Any]]
"""``{file name: [size, sha256]}``."""


def _check(entry: dict[str, Any]) -> str:
    body = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def _line(entry: dict[str, Any]) -> str:
    return json.dumps({**entry, "check": _check(entry)}, separators=(",", ":"))


def record(directory: Path, names: Iterable[str]) -> Files:
    """Size and SHA-256 of each named file of ``directory``."""
    return {name: list(digest(directory / name)) for name in names}


def batch_line(interval: Interval, files: Files) -> str:
    """The journal line of a completed batch."""
    return _line({"start": interval[0], "stop": interval[1], "files": files})


def checkpoint_line(number: int, covers: list[Interval], files: Files) -> str:
    """The journal line of a series checkpoint."""
    return _line({"checkpoint": number, "covers": [list(r) for r in covers], "files": files})


def final_line(files: Files) -> str:
    """The journal line of a complete run's final files."""
    return _line({"final": files})


def merge_ranges(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, merged ``[a, b)`` ranges covering ``intervals``."""
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def covered(interval: Interval, ranges: list[Interval]) -> bool:
    """True when ``interval`` lies inside one of ``ranges``."""
    return any(a <= interval[0] and interval[1] <= b for a, b in ranges)


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("check"), str):
        return None
    check = entry.pop("check")
    if _check(entry) != check:
        return None
    files = entry.get("final", entry.get("files"))
    if not isinstance(files, dict) or not all(
            isinstance(v, list) and len(v) == 2 for v in files.values()):
        return None
    return entry


def _problem(path: Path, expected: list[Any]) -> str | None:
    """Why ``path`` does not hold the recorded bytes (None when it does)."""
    if not path.is_file():
        return "is missing"
    try:
        size, sha = digest(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size != expected[0]:
        return f"has {size:,} bytes, {expected[0]:,} recorded (truncated or overwritten)"
    if sha != expected[1]:
        return "does not match its SHA-256 (damaged)"
    return None


def _span(interval: Interval) -> str:
    return f"replications {interval[0]}..{interval[1] - 1}"


@dataclass
class Scan:
    """What a run directory's journal vouches for, after checking every file it names."""

    batches: dict[Interval, Files] = field(default_factory=dict)
    """Good batches (every fragment as recorded)."""
    lines: list[str] = field(default_factory=list)
    """The good lines still in force, in order (to rewrite the journal)."""
    checkpoint: tuple[int, list[Interval]] | None = None
    """The usable checkpoint: its number and the ranges it covers."""
    final: Files | None = None
    damage: list[str] = field(default_factory=list)
    """One line per damaged, missing or garbled thing, and what is done about it."""
    torn: int | None = None
    """Line number of a torn last line (a kill while appending), if any."""
    final_damaged: bool = False

    @property
    def covers(self) -> list[Interval]:
        """Ranges whose series sketch the checkpoint holds."""
        return self.checkpoint[1] if self.checkpoint else []


def scan(directory: Path, *, complete: bool = False) -> Scan:
    """Check the journal of ``directory`` and every file it vouches for (changes nothing)."""
    result = Scan()
    journal = directory / "journal.jsonl"
    try:
        data = journal.read_bytes()
    except FileNotFoundError:
        result.damage.append("journal.jsonl is missing; every batch is redone")
        return result
    raws = data.split(b"\n")
    if raws[-1]:
        result.torn = len(raws)
    entries: list[tuple[int, str, dict[str, Any]]] = []
    for number, raw in enumerate(raws[:-1], start=1):
        entry = _parse(raw)
        if entry is None:
            result.damage.append(
                f"journal.jsonl line {number} is garbled; the batch it recorded is redone")
            continue
        entries.append((number, raw.decode("utf-8"), entry))
    fragments = directory / "fragments"
    # the last checkpoint whose file is intact (earlier ones are deleted when superseded)
    checkpoints = [(n, text, e) for n, text, e in entries if "checkpoint" in e]
    if checkpoints and not complete:  # a complete run's fragments are deleted
        number, text, entry = checkpoints[-1]
        name, expected = next(iter(entry["files"].items()))
        why = _problem(fragments / name, expected)
        if why is None:
            covers = [(int(a), int(b)) for a, b in entry["covers"]]
            result.checkpoint = (int(entry["checkpoint"]), covers)
        else:
            result.damage.append(f"fragments/{name} {why}; the batches whose series it "
                                 "summarised are redone")
    for _number, text, entry in entries:
        if "final" in entry:
            result.final = entry["final"]
            if complete:
                for name, expected in entry["final"].items():
                    why = _problem(directory / name, expected)
                    if why is not None:
                        result.final_damaged = True
                        result.damage.append(f"{name} {why}")
            continue
        if "checkpoint" in entry:
            if result.checkpoint is not None and entry["checkpoint"] == result.checkpoint[0]:
                result.lines.append(text)
            continue
        if complete:
            continue  # a complete run's fragments are deleted
        interval = (int(entry["start"]), int(entry["stop"]))
        problems = []
        for name, expected in entry["files"].items():
            if name.startswith("sketch-") and covered(interval, result.covers):
                continue  # folded into the checkpoint, deleted
            why = _problem(fragments / name, expected)
            if why is not None:
                problems.append(f"fragments/{name} {why}")
        if not covered(interval, result.covers) and not any(
                name.startswith("sketch-") for name in entry["files"]):
            # redone under a checkpoint, its sketch lived only there
            problems.append("its series sketch was only in a checkpoint that is lost")
        if problems:
            result.damage.append(f"{_span(interval)}: {'; '.join(problems)}; redoing the batch")
            continue
        result.batches[interval] = entry["files"]
        result.lines.append(text)
    return result
