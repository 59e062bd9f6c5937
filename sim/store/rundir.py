"""A run directory: append-only while running, atomic final files, resumable after a kill.

Layout::

    manifest.json          what the results depend on, and the run's status (see manifest.py)
    scenario.json          the resolved, validated scenario the run used
    journal.jsonl          one line per completed batch, per series checkpoint, and for the
                           final files, each with the size and SHA-256 of its files
                           (see journal.py)
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
renamed into place and fsynced. On resume every file the journal names is checked (size and
SHA-256): a damaged or missing fragment, or a garbled journal line, is reported in one line and
its batch redone (replications are deterministic, so the result is the same); anything else
found in ``fragments/`` (a fragment without its line, a temporary file) is deleted and
recomputed. Finishing writes the final files atomically, journals their hashes, then marks the
manifest complete, then deletes ``fragments/``. A complete run whose final files are damaged is
recomputed from scratch on ``--resume``. A directory holding only a lock (a run killed before it
wrote its manifest) is started afresh, with a note.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.api import BatchResult
from sim.errors import CapexsimError
from sim.store import journal
from sim.store.files import (
    RunLock,
    append_line,
    atomic_write,
    atomic_write_text,
    fsync_dir,
    io_errors,
)
from sim.store.manifest import check_resumable, sha256_text
from sim.store.sketch import SeriesSketch
from sim.store.tables import (
    kpi_table,
    read_parquet,
    series_table,
    write_parquet,
    write_parquet_stream,
)

__all__ = ["RunDirectory", "stillborn"]

Interval = tuple[int, int]
Note = Callable[[str], None]
FINAL_FILES = ("kpis.parquet", "series.parquet", "series_bands.parquet", "summary.json")


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def _name(kind: str, interval: Interval, ext: str) -> str:
    return f"{kind}-{interval[0]:012d}-{interval[1]:012d}.{ext}"


def stillborn(path: Path) -> bool:
    """True for a directory holding only a lock (and temporary files): a run killed between
    taking its lock and writing its manifest."""
    if not path.is_dir():
        return False
    names = {child.name for child in path.iterdir()}
    return "lock" in names and all(
        n == "lock" or n.startswith((".manifest.json.tmp-", ".lock")) for n in names)


def _ignore(_: str) -> None:
    return None


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
        self._checkpoint: tuple[int, list[Interval]] | None = None  # (number, ranges covered)

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, manifest: dict[str, Any], scenario_json: str, *,
               overwrite: bool, note: Note = _ignore) -> RunDirectory:
        """A new run directory at ``path``; an existing non-empty one only with ``overwrite``
        (and only if it is a run directory nobody is writing), or one holding only a lock."""
        lock = RunLock(path)
        with io_errors(path):
            if path.exists() and (not path.is_dir() or any(path.iterdir())):
                if stillborn(path):
                    note(f"{path} holds only the lock of a run killed before it started; "
                         "starting afresh there")
                elif not overwrite:
                    raise CapexsimError(f"{path} already exists; finish it with --resume, "
                                        "replace it with --overwrite, or choose another --out")
                elif not (path / "manifest.json").is_file():
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
            with io_errors(path / "fragments"):
                (path / "fragments").mkdir()
        except BaseException:
            lock.release()
            raise
        return cls(path, lock, manifest)

    @classmethod
    def resume(cls, path: Path, manifest: dict[str, Any], scenario_json: str, *,
               note: Note = _ignore) -> RunDirectory:
        """Reopen the run at ``path`` if ``manifest`` matches what it recorded; check every
        file the journal vouches for, and report (``note``) what will be redone."""
        if stillborn(path):
            return cls.create(path, manifest, scenario_json, overwrite=False, note=note)
        try:
            recorded = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CapexsimError(f"nothing to resume: {path} has no manifest.json") from None
        except (OSError, ValueError) as exc:
            raise CapexsimError(f"cannot read {path / 'manifest.json'}: {exc}") from None
        lock = RunLock(path)
        with io_errors(path / "lock"):
            lock.acquire()
        try:
            check_resumable(recorded, manifest, path)
            run = cls(path, lock, recorded)
            run._recover(scenario_json, note)
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

    def _recover(self, scenario_json: str, note: Note) -> None:
        """Check the journal's files; report and drop what is damaged; delete whatever the
        journal does not vouch for."""
        if sha256_text(self._read_text("scenario.json")) != self.manifest.get("scenario_hash"):
            note("scenario.json does not match the manifest's scenario hash; rewritten")
            atomic_write_text(self.path / "scenario.json", scenario_json)
        found = journal.scan(self.path, complete=self.complete)
        for line in found.damage:
            note(line)
        if self.complete:
            if not found.final_damaged:
                return
            note(f"{self.path}: the batches behind the damaged final files are gone; "
                 "redoing every replication")
            self._restart()
            return
        if found.torn is not None:
            note(f"journal.jsonl line {found.torn} was cut short by the kill; its batch is "
                 "redone")
        with io_errors(self.fragments):
            self.fragments.mkdir(exist_ok=True)
            keep: set[str] = set()
            for interval, files in found.batches.items():
                self.batches.append(interval)
                keep.update(files)
            if found.checkpoint is not None:
                self._checkpoint = found.checkpoint
                keep.add(f"checkpoint-{found.checkpoint[0]}.npz")
            for child in self.fragments.iterdir():
                if child.name not in keep:
                    child.unlink()
        # rewrite the journal with the good lines only, so new lines start clean
        atomic_write_text(self.journal, "".join(line + "\n" for line in found.lines))

    def _read_text(self, name: str) -> str:
        try:
            return (self.path / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    def _restart(self) -> None:
        """Back to a running run with nothing done (its final files were damaged)."""
        self.manifest = {k: v for k, v in self.manifest.items()
                         if k not in ("finished", "replications")}
        self.manifest["status"] = "running"
        atomic_write_text(self.path / "manifest.json", _json(self.manifest))
        for name in FINAL_FILES:
            with io_errors(self.path / name):
                (self.path / name).unlink(missing_ok=True)
        atomic_write(self.journal, lambda fh: None)
        with io_errors(self.fragments):
            shutil.rmtree(self.fragments, ignore_errors=True)
            self.fragments.mkdir()

    # --- writing -------------------------------------------------------------------------

    @property
    def covers(self) -> list[Interval]:
        """Replication ranges whose series sketch the current checkpoint holds."""
        return self._checkpoint[1] if self._checkpoint else []

    def sketched(self, interval: Interval) -> bool:
        """True when the checkpoint already holds this batch's series sketch (a batch redone
        after its fragment was damaged): its sketch must not be counted twice."""
        return journal.covered(interval, self.covers)

    def add(self, interval: Interval, batch: BatchResult, sketch: SeriesSketch | None,
            target_names: list[str]) -> None:
        """Write a batch's fragments (its sketch unless ``None``), then journal them."""
        files = [_name("kpis", interval, "parquet")]
        write_parquet(self.fragments / files[0], kpi_table(batch, target_names), sync_dir=False)
        if sketch is not None:
            files.append(_name("sketch", interval, "npz"))
            atomic_write(self.fragments / files[-1], sketch.save, sync_dir=False)
        if batch.series is not None:
            files.append(_name("series", interval, "parquet"))
            write_parquet(self.fragments / files[-1], series_table(
                batch.replications, batch.series_names, batch.series), sync_dir=False)
        with io_errors(self.fragments):
            fsync_dir(self.fragments)  # the renames are durable before the journal vouches
            record = journal.record(self.fragments, files)
        append_line(self.journal, journal.batch_line(interval, record))
        self.batches.append(interval)

    def checkpoint(self, sketch: SeriesSketch) -> None:
        """Record ``sketch`` (the merge of every journaled batch's) and drop the per-batch
        sketches it covers."""
        number = self._checkpoint[0] + 1 if self._checkpoint else 1
        name = f"checkpoint-{number}.npz"
        atomic_write(self.fragments / name, sketch.save)
        covers = journal.merge_ranges(self.batches)
        with io_errors(self.fragments / name):
            record = journal.record(self.fragments, [name])
        append_line(self.journal, journal.checkpoint_line(number, covers, record))
        old, self._checkpoint = self._checkpoint, (number, covers)
        with io_errors(self.fragments):
            if old is not None:
                (self.fragments / f"checkpoint-{old[0]}.npz").unlink(missing_ok=True)
            for interval in self.batches:
                (self.fragments / _name("sketch", interval, "npz")).unlink(missing_ok=True)

    # --- reading -------------------------------------------------------------------------

    def sketches(self) -> Iterator[SeriesSketch]:
        """The checkpointed sketch and those of the batches it does not cover."""
        if self._checkpoint is not None:
            yield SeriesSketch.load(self.fragments / f"checkpoint-{self._checkpoint[0]}.npz")
        for interval in self.batches:
            if not self.sketched(interval):
                yield SeriesSketch.load(self.fragments / _name("sketch", interval, "npz"))

    def batch_table(self, interval: Interval, columns: list[str] | None = None) -> pa.Table:
        """A completed batch's KPI fragment (optionally only some columns)."""
        return read_parquet(self.fragments / _name("kpis", interval, "parquet"), columns)

    # --- finishing -----------------------------------------------------------------------

    def write_tables(self, n: int) -> None:
        """Write ``kpis.parquet`` (and ``series.parquet``) for replications ``0..n-1`` from
        the fragments, streaming: one batch in memory at a time."""
        used = self.tiling(n)
        if not used:
            return
        schema = pq.read_schema(self.fragments / _name("kpis", used[0], "parquet"))
        write_parquet_stream(self.path / "kpis.parquet", schema,
                             (self.batch_table(i) for i in used))
        series = [self.fragments / _name("series", i, "parquet") for i in used]
        if self.manifest.get("keep_series") and series:
            write_parquet_stream(self.path / "series.parquet", pq.read_schema(series[0]),
                                 (read_parquet(p) for p in series))

    def finish(self, n: int, bands: pa.Table, summary: dict[str, Any],
               status: dict[str, Any]) -> None:
        """After :meth:`write_tables`: write the bands and the summary, journal the final
        files' hashes, mark the run complete, and delete the fragments."""
        write_parquet(self.path / "series_bands.parquet", bands)
        atomic_write_text(self.path / "summary.json", _json(summary))
        names = [name for name in FINAL_FILES if (self.path / name).is_file()]
        with io_errors(self.path):
            record = journal.record(self.path, names)
        append_line(self.journal, journal.final_line(record))
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
