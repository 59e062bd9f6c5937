"""What a run directory's ``manifest.json`` records, and the check ``--resume`` makes with it.

The manifest names everything a run's results depend on: the capexsim version, a hash of the
library's code, the scenario's hash, the root seed, the design and its size, and how many
replications (or which precision). ``--resume`` refuses when any of these differs, since the
finished run would then mix results of two different computations. It also records what does
not change results (executor, workers, batch size, git revision, times), for the record.
"""

from __future__ import annotations

import hashlib
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.errors import CapexsimError

__all__ = ["RESULT_FIELDS", "check_resumable", "code_hash", "git_revision", "sha256_text",
           "version"]

RESULT_FIELDS = ("format", "version", "code_hash", "scenario_hash", "seed", "design", "n_total",
                 "runs", "precision", "max_runs", "keep_series")
"""Manifest fields that determine the results: ``--resume`` needs them unchanged."""

_PACKAGE = Path(__file__).resolve().parent.parent


def sha256_text(text: str) -> str:
    """Hex SHA-256 of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def code_hash() -> str:
    """Hex SHA-256 over the ``sim`` package's Python and data files (paths and contents)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def version() -> str:
    """The installed capexsim version (``unknown`` when not installed)."""
    try:
        return metadata.version("capexsim")
    except metadata.PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=1)
def git_revision() -> str | None:
    """``<commit>`` (with ``-dirty`` when the work tree differs) of the checkout holding the
    library, or None outside a git checkout."""
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=_PACKAGE, capture_output=True, text=True,
                                 timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    if not head:
        return None
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    return f"{head}-dirty" if dirty else head


def check_resumable(recorded: dict[str, Any], current: dict[str, Any], directory: Path) -> None:
    """Raise :class:`CapexsimError` listing every result-determining field that changed."""
    changed = [
        f"{name} was {recorded.get(name)!r}, now {current.get(name)!r}"
        for name in RESULT_FIELDS
        if recorded.get(name) != current.get(name)
    ]
    if changed:
        what = "; ".join(_describe(c) for c in changed)
        raise CapexsimError(f"cannot resume {directory}: {what}. Start a new run (another "
                            "--out, or --overwrite)")


def _describe(change: str) -> str:
    name = change.split(" ", 1)[0]
    if name == "scenario_hash":
        return "the scenario changed"
    if name in ("version", "code_hash"):
        return f"the capexsim {'version' if name == 'version' else 'code'} changed"
    return change
