"""A stateful test of the run store: write batches, checkpoint, kill, damage, resume, against an
in-memory model of what the directory must hold.

The batches are synthetic (no model runs): batch ``k`` holds replications ``3k..3k+2`` with
KPIs and a one-series sketch computed from the replication index, so a batch written again
holds the same bytes, as a real one does. The model tracks which batches are done, which lines
the journal holds (and which are garbled), which files are damaged and what the checkpoint
covers; after every resume the store must vouch for exactly the batches the model says are
intact, report every damage, and at the end the tables and the series sketch must be those of
every replication exactly once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sim.api import KPI_NAMES, BatchResult
from sim.store.manifest import RESULT_FIELDS, sha256_text
from sim.store.rundir import RunDirectory
from sim.store.sketch import SeriesSketch
from sim.store.verify import verify_run

PHASES = [Phase.generate] if os.environ.get("NOSHRINK") else list(Phase)
BATCHES, SIZE = 8, 3
SCENARIO = "{}"
MANIFEST: dict[str, Any] = dict.fromkeys(RESULT_FIELDS)
MANIFEST.update({"status": "running", "scenario_hash": sha256_text(SCENARIO), "targets": []})


def _interval(k: int) -> tuple[int, int]:
    return (k * SIZE, (k + 1) * SIZE)


def _series(reps: np.ndarray) -> np.ndarray:
    return np.stack([np.stack([reps * 1.25 + 1.0, np.sqrt(reps + 2.0)], axis=1)], axis=1)


def _batch(k: int) -> tuple[BatchResult, SeriesSketch]:
    reps = np.arange(*_interval(k), dtype=np.int64)
    kpis = reps[:, None] * 1.5 + np.arange(len(KPI_NAMES))[None, :]
    batch = BatchResult(reps, kpis.astype(np.float64), np.zeros((len(reps), 0), bool), (),
                        np.zeros((len(reps), 0)), ("x",), None)
    return batch, SeriesSketch.of(("x",), _series(reps.astype(np.float64)))


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "delete":
        path.unlink()
    elif how == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "overwrite":
        data[8:520] = bytes(min(512, max(0, len(data) - 8)))
        path.write_bytes(bytes(data[: len(data)]))
    else:  # flip
        for i in range(20, min(26, len(data))):
            data[i] ^= 0xA5
        path.write_bytes(bytes(data))


class RunStoreMachine(RuleBasedStateMachine):
    """The run store against a model of it."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="capexsim-stateful-"))
        self.path = self.tmp / "run"
        self.notes: list[str] = []
        self.store = RunDirectory.create(self.path, dict(MANIFEST), SCENARIO, overwrite=False)
        # the model
        self.done: set[int] = set()
        self.journal: list[tuple[str, Any]] = []  # ("batch", k) | ("checkpoint", number)
        self.garbled: set[int] = set()  # journal line indexes
        self.damaged: dict[int, set[str]] = {}  # batch -> its damaged fragments' kinds
        self.sketch_files: set[int] = set()  # batches whose own sketch file exists
        self.checkpoint: tuple[int, frozenset[int]] | None = None  # file on disk, covers
        self.checkpoint_damaged = False

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- rules -----------------------------------------------------------------------------

    @rule(k=st.integers(0, BATCHES - 1))
    def write_batch(self, k: int) -> None:
        if k in self.done:
            return
        batch, sketch = _batch(k)
        interval = _interval(k)
        covered = self.store.sketched(interval)
        self.store.add(interval, batch, None if covered else sketch, [])
        self.done.add(k)
        self.journal.append(("batch", k))
        if not covered:
            self.sketch_files.add(k)

    @precondition(lambda self: bool(self.done))
    @rule()
    def write_checkpoint(self) -> None:
        # as the driver does: the merge kept in memory, not re-read from the files
        reps = np.concatenate([np.arange(*_interval(k)) for k in sorted(self.done)])
        self.store.checkpoint(SeriesSketch.of(("x",), _series(reps.astype(np.float64))))
        number = self.checkpoint[0] + 1 if self.checkpoint else 1
        self.checkpoint = (number, frozenset(self.done))
        self.checkpoint_damaged = False
        self.journal.append(("checkpoint", number))
        self.sketch_files.clear()  # deleted, damaged or not: the checkpoint holds them
        self.damaged = {k: kinds - {"sketch"} for k, kinds in self.damaged.items()
                        if kinds - {"sketch"}}

    @rule(k=st.integers(0, BATCHES - 1),
          how=st.sampled_from(["overwrite", "truncate", "flip", "delete"]),
          kind=st.sampled_from(["kpis", "sketch"]))
    def damage_fragment(self, k: int, how: str, kind: str) -> None:
        if k not in self.done or kind in self.damaged.get(k, set()):
            return
        if kind == "sketch" and k not in self.sketch_files:
            return
        a, b = _interval(k)
        ext = "parquet" if kind == "kpis" else "npz"
        _damage(self.path / "fragments" / f"{kind}-{a:012d}-{b:012d}.{ext}", how)
        self.damaged.setdefault(k, set()).add(kind)

    @precondition(lambda self: self.checkpoint is not None and not self.checkpoint_damaged)
    @rule(how=st.sampled_from(["overwrite", "truncate", "flip", "delete"]))
    def damage_checkpoint(self, how: str) -> None:
        assert self.checkpoint is not None
        _damage(self.path / "fragments" / f"checkpoint-{self.checkpoint[0]}.npz", how)
        self.checkpoint_damaged = True

    @precondition(lambda self: bool(self.journal))
    @rule(data=st.data())
    def garble_journal_line(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.journal) - 1))
        if index in self.garbled:
            return
        journal = self.path / "journal.jsonl"
        lines = journal.read_bytes().split(b"\n")
        line = bytearray(lines[index])
        line[len(line) // 2] ^= 0x01  # one bit: the line's checksum must notice
        lines[index] = bytes(line)
        journal.write_bytes(b"\n".join(lines))
        self.garbled.add(index)

    @rule()
    def kill_and_resume(self) -> None:
        self.store.close()  # the lock goes with the process
        self.notes = []
        self.store = RunDirectory.resume(self.path, dict(MANIFEST), SCENARIO,
                                         note=self.notes.append)
        expected = self._intact()
        assert set(self.store.batches) == {_interval(k) for k in expected}, self.notes
        lost = self.done - expected
        for k in lost:
            a, b = _interval(k)
            if not any(f"line {i + 1} is garbled" in n for i in self.garbled
                       for n in self.notes):
                assert any(f"replications {a}..{b - 1}" in n for n in self.notes), \
                    (k, self.notes)
        if self.garbled or self.damaged or self.checkpoint_damaged:
            assert self.notes
        # the model after a resume: the journal holds the good lines only
        usable = self._usable_checkpoint()
        self.journal = [entry for i, entry in enumerate(self.journal)
                        if i not in self.garbled and (
                            (entry[0] == "batch" and entry[1] in expected) or
                            (entry[0] == "checkpoint" and usable is not None
                             and entry[1] == usable[0]))]
        self.done = expected
        self.sketch_files &= expected
        self.checkpoint = usable
        self.garbled, self.damaged, self.checkpoint_damaged = set(), {}, False

    # --- the model's expectations --------------------------------------------------------------

    def _usable_checkpoint(self) -> tuple[int, frozenset[int]] | None:
        lines = [i for i, e in enumerate(self.journal) if e[0] == "checkpoint"]
        if not lines or lines[-1] in self.garbled or self.checkpoint_damaged:
            return None
        return self.checkpoint

    def _intact(self) -> set[int]:
        usable = self._usable_checkpoint()
        covered = usable[1] if usable else frozenset()
        good_lines = {e[1] for i, e in enumerate(self.journal)
                      if e[0] == "batch" and i not in self.garbled}
        return {k for k in self.done if k in good_lines and k not in self.damaged
                and (k in covered or k in self.sketch_files)}

    @invariant()
    def verify_agrees(self) -> None:
        pending = bool(self.garbled or self.damaged or self.checkpoint_damaged)
        assert verify_run(self.path).ok is not pending

    @precondition(lambda self: not (self.garbled or self.damaged or self.checkpoint_damaged))
    @rule()
    def finish_everything(self) -> None:
        for k in range(BATCHES):
            self.write_batch(k)
        n = BATCHES * SIZE
        tables = [self.store.batch_table(i) for i in self.store.tiling(n)]
        reps = np.concatenate([t["replication"].to_numpy() for t in tables])
        assert np.array_equal(reps, np.arange(n))
        first = np.concatenate([t[KPI_NAMES[0]].to_numpy() for t in tables])
        assert np.array_equal(first, np.arange(n) * 1.5)
        merged = SeriesSketch.merge(list(self.store.sketches()))
        whole = SeriesSketch.of(("x",), _series(np.arange(n, dtype=np.float64)))
        assert merged.replications == n
        for key, band in whole.bands().items():
            assert np.array_equal(band, merged.bands()[key], equal_nan=True), key


RunStoreMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25,
                                             deadline=None, phases=PHASES)
TestRunStore = RunStoreMachine.TestCase
