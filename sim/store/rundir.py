"""A run directory: append-only while running, atomic final files, resumable after a kill.

Layout::

    manifest.json          what the results depend on, and the run's status (see manifest.py)
    scenario.json          the resolved, validated scenario the run used
    journal.jsonl          one line per completed batch, and per series checkpoint
    lock                   held (flock) by the one writer
    fragments/             per-batch files, until the run completes:
        kpis-<start>-<stop>.parquet     KPIs, targets and drawn inputs of the batch
        sketch-<start>-<stop>.npz       the batch's series sketch
        series-<start>-<stop>.parquet   the batch's monthly series (with --series)
        checkpoint-<k>.npz              merged sketch of every batch journaled before it
    kpis.parquet           per replication: KPIs, target:<name>, input:<path> (final)
    series_bands.parquet   mean and P5/P25/P50/P75/P95 per series and month (final)
    series.parquet         per replication and month (final, with --series)
    summary.json           the summary (final)

A batch counts as done when its journal line is written, which happens after its fragments are
renamed into place and fsynced; anything else found in ``fragments/`` on resume (a fragment
without its line, a temporary file) is deleted and recomputed. Finishing writes the final files
atomically, then marks the manifest complete, then deletes ``fragments/``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.api import BatchResult
from sim.errors import CapexsimError
from sim.store.files import (
    RunLock,
    append_line,
    atomic_write,
    atomic_write_text,
    fsync_dir,
    read_lines,
)
from sim.store.manifest import check_resumable
from sim.store.sketch import SeriesSketch
from sim.store.tables import kpi_table, series_table, write_parquet, write_parquet_stream

__all__ = ["RunDirectory"]

Interval = tuple[int, int]


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


class RunDirectory:
    """The files of one run. Open with :meth:`create` or :meth:`resume`; :meth:`close` always."""

    def __init__(self, path: Path, lock: RunLock, manifest: dict[str, Any]) -> None:
        self.path = path
        self.lock = lock
        self.manifest = manifest
        self.fragments = path / "fragments"
        self.journal = path / "journal.jsonl"
        self.batches: list[Interval] = []
        """Completed batches, in journal order."""
        self._checkpoint: tuple[int, int] | None = None  # (sequence number, batches covered)

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, manifest: dict[str, Any], scenario_json: str, *,
               overwrite: bool) -> RunDirectory:
        """A new run directory at ``path``; an existing non-empty one only with ``overwrite``
        (and only if it is a run directory nobody is writing)."""
        lock = RunLock(path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            if not overwrite:
                raise CapexsimError(f"{path} already exists; finish it with --resume, replace "
                                    "it with --overwrite, or choose another --out")
            left = {child.name for child in path.iterdir()}
            if not (path / "manifest.json").is_file() and left != {"lock"}:
                raise CapexsimError(f"{path} is not a capexsim run directory; refusing to "
                                    "overwrite it")
            lock.acquire()
            for child in path.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                elif child.name != "lock":
                    child.unlink()
        else:
            path.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        try:
            # the manifest first: a directory with one can always be resumed or overwritten
            atomic_write_text(path / "manifest.json", _json(manifest))
            atomic_write_text(path / "scenario.json", scenario_json)
            atomic_write(path / "journal.jsonl", lambda fh: None)
            (path / "fragments").mkdir()
        except BaseException:
            lock.release()
            raise
        return cls(path, lock, manifest)

    @classmethod
    def resume(cls, path: Path, manifest: dict[str, Any]) -> RunDirectory:
        """Reopen the run at ``path`` if ``manifest`` matches what it recorded."""
        try:
            recorded = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CapexsimError(f"nothing to resume: {path} has no manifest.json") from None
        except (OSError, ValueError) as exc:
            raise CapexsimError(f"cannot read {path / 'manifest.json'}: {exc}") from None
        lock = RunLock(path)
        lock.acquire()
        try:
            check_resumable(recorded, manifest, path)
            run = cls(path, lock, recorded)
            if not run.complete:
                run._recover()
        except BaseException:
            lock.release()
            raise
        return run

    @property
    def complete(self) -> bool:
        """True once the final files are in place."""
        return self.manifest.get("status") == "complete"

    def close(self) -> None:
        """Release the lock."""
        self.lock.release()

    def _recover(self) -> None:
        """Read the journal; delete whatever it does not vouch for."""
        self.fragments.mkdir(exist_ok=True)
        keep: set[str] = set()
        for line in read_lines(self.journal):
            entry = json.loads(line)
            if "checkpoint" in entry:
                self._checkpoint = (int(entry["checkpoint"]), int(entry["covers"]))
            else:
                interval = (int(entry["start"]), int(entry["stop"]))
                self.batches.append(interval)
                keep.update(entry["files"])
        for name in [f"kpis-{a:012d}-{b:012d}.parquet" for a, b in self.batches]:
            if not (self.fragments / name).is_file():
                raise CapexsimError(f"{self.path}: journaled fragment {name} is missing; the "
                                    "run cannot be resumed (start it again with --overwrite)")
        covered = self._checkpoint[1] if self._checkpoint else 0
        if self._checkpoint is not None:
            keep.add(f"checkpoint-{self._checkpoint[0]}.npz")
        for a, b in self.batches[:covered]:
            keep.discard(f"sketch-{a:012d}-{b:012d}.npz")
        for child in self.fragments.iterdir():
            if child.name not in keep:
                child.unlink()
        # rewrite the journal without a torn last line, so new lines start clean
        text = "".join(line + "\n" for line in read_lines(self.journal))
        atomic_write_text(self.journal, text)

    # --- writing -------------------------------------------------------------------------

    def add(self, interval: Interval, batch: BatchResult, sketch: SeriesSketch,
            target_names: list[str]) -> None:
        """Write a batch's fragments, then journal it."""
        a, b = interval
        files = [f"kpis-{a:012d}-{b:012d}.parquet", f"sketch-{a:012d}-{b:012d}.npz"]
        write_parquet(self.fragments / files[0], kpi_table(batch, target_names), sync_dir=False)
        atomic_write(self.fragments / files[1], sketch.save, sync_dir=False)
        if batch.series is not None:
            files.append(f"series-{a:012d}-{b:012d}.parquet")
            write_parquet(self.fragments / files[2], series_table(
                batch.replications, batch.series_names, batch.series), sync_dir=False)
        fsync_dir(self.fragments)  # the renames are durable before the journal vouches for them
        append_line(self.journal, json.dumps({"start": a, "stop": b, "files": files}))
        self.batches.append((a, b))

    def checkpoint(self, sketch: SeriesSketch) -> None:
        """Record ``sketch`` (the merge of every journaled batch's) and drop the per-batch
        sketches it covers."""
        number = self._checkpoint[0] + 1 if self._checkpoint else 1
        name = f"checkpoint-{number}.npz"
        atomic_write(self.fragments / name, sketch.save)
        append_line(self.journal, json.dumps({"checkpoint": number,
                                              "covers": len(self.batches)}))
        old, self._checkpoint = self._checkpoint, (number, len(self.batches))
        if old is not None:
            (self.fragments / f"checkpoint-{old[0]}.npz").unlink(missing_ok=True)
        for a, b in self.batches:
            (self.fragments / f"sketch-{a:012d}-{b:012d}.npz").unlink(missing_ok=True)

    # --- reading -------------------------------------------------------------------------

    def sketches(self) -> Iterator[SeriesSketch]:
        """The checkpointed sketch and those of the batches after it."""
        covered = 0
        if self._checkpoint is not None:
            yield SeriesSketch.load(self.fragments / f"checkpoint-{self._checkpoint[0]}.npz")
            covered = self._checkpoint[1]
        for a, b in self.batches[covered:]:
            yield SeriesSketch.load(self.fragments / f"sketch-{a:012d}-{b:012d}.npz")

    def batch_table(self, interval: Interval, columns: list[str] | None = None) -> pa.Table:
        """A completed batch's KPI fragment (optionally only some columns)."""
        a, b = interval
        return pq.read_table(self.fragments / f"kpis-{a:012d}-{b:012d}.parquet",
                             columns=columns)

    # --- finishing -----------------------------------------------------------------------

    def finish(self, n: int, bands: pa.Table, summary: dict[str, Any],
               status: dict[str, Any]) -> None:
        """Write the final files for replications ``0..n-1``, mark the run complete, and
        delete the fragments."""
        used = self.tiling(n)
        first = self.batch_table(used[0]) if used else None
        schema = first.schema if first is not None else None
        if schema is not None:
            write_parquet_stream(self.path / "kpis.parquet", schema,
                                 (self.batch_table(i) for i in used))
        series = [self.fragments / f"series-{a:012d}-{b:012d}.parquet" for a, b in used]
        if self.manifest.get("keep_series") and series:
            write_parquet_stream(self.path / "series.parquet", pq.read_schema(series[0]),
                                 (pq.read_table(p) for p in series))
        write_parquet(self.path / "series_bands.parquet", bands)
        atomic_write_text(self.path / "summary.json", _json(summary))
        self.manifest = {**self.manifest, **status, "status": "complete", "replications": n}
        atomic_write_text(self.path / "manifest.json", _json(self.manifest))
        shutil.rmtree(self.fragments, ignore_errors=True)

    def tiling(self, n: int) -> list[Interval]:
        """The journaled batches covering ``0..n-1`` exactly once, in order; raise if a
        replication is missing or doubled."""
        used = sorted(i for i in self.batches if i[0] < n)
        position = 0
        for a, b in used:
            if a != position or b > n:
                raise CapexsimError(f"{self.path}: batches do not tile 0..{n - 1} (at {a}..{b}"
                                    f", expected a batch starting at {position})")
            position = b
        if position != n:
            raise CapexsimError(f"{self.path}: replications {position}..{n - 1} are missing")
        return used
