"""``capexsim verify RUN_DIR``: check a run directory without running anything.

The same check ``--resume`` makes (:func:`sim.store.journal.scan`): every file the journal
vouches for has its recorded size and SHA-256, every journal line is readable, ``scenario.json``
matches the manifest's hash. Nothing is changed, and the lock is not taken (a running run may
be checked: its newest batch may then be reported as not yet journaled, which is harmless).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import CapexsimError
from sim.store.journal import scan
from sim.store.manifest import sha256_text

__all__ = ["Verdict", "verify_run"]


@dataclass
class Verdict:
    """What :func:`verify_run` found: ``damage`` (one line each) and a one-line state."""

    damage: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    state: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing is damaged."""
        return not self.damage


def verify_run(directory: Path | str) -> Verdict:
    """Check the run directory ``directory``; raise :class:`CapexsimError` if it is not one."""
    path = Path(directory)
    if not path.is_dir():
        raise CapexsimError(f"{path}: no such run directory")
    verdict = Verdict()
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except FileNotFoundError:
        if (path / "lock").exists():
            verdict.state = ("holds only a lock (killed before it started); --resume starts "
                             "it afresh")
            return verdict
        raise CapexsimError(f"{path}: not a capexsim run directory (no manifest.json)") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        verdict.damage.append(f"manifest.json is unreadable ({exc})")
        return verdict
    complete = manifest.get("status") == "complete"
    try:
        scenario_text = (path / "scenario.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        scenario_text = None
    if scenario_text is None:
        verdict.damage.append("scenario.json is missing or unreadable")
    elif sha256_text(scenario_text) != manifest.get("scenario_hash"):
        verdict.damage.append("scenario.json does not match the manifest's scenario hash")
    found = scan(path, complete=complete)
    verdict.damage += found.damage
    if found.torn is not None:
        verdict.notes.append(f"journal.jsonl line {found.torn} was cut short by a kill (not "
                             "damage: --resume redoes its batch)")
    if complete:
        files = len(found.final or {})
        verdict.state = (f"complete, {manifest.get('replications', 0):,} replications, "
                         f"{files} final files checked")
    else:
        done = sum(b - a for a, b in found.batches)
        verdict.state = (f"unfinished, {done:,} replications in {len(found.batches):,} "
                         "intact batches; finish it with --resume")
    return verdict
