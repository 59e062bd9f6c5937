"""The run directory: refusals (existing, locked, changed), recovery, and the series sketch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.errors import CapexsimError
from sim.runner import run
from sim.runner.driver import missing_batches
from sim.store.files import RunLock, append_line, read_lines
from sim.store.sketch import SeriesSketch

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "scenarios" / "small_uncertain.yaml"


def _run(out: Path | None, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"runs": 30, "seed": 3, "executor": "serial", "progress": False}
    options.update(kwargs)
    return run(SMALL, out=out, **options)


def test_an_existing_directory_is_never_overwritten_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _run(out)
    before = (out / "kpis.parquet").read_bytes()
    with pytest.raises(CapexsimError, match="already exists; finish it with --resume"):
        _run(out, seed=4)
    assert (out / "kpis.parquet").read_bytes() == before
    _run(out, seed=4, overwrite=True)
    assert (out / "kpis.parquet").read_bytes() != before


def test_overwrite_refuses_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(CapexsimError, match="not a capexsim run directory"):
        _run(tmp_path, overwrite=True)
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_a_lock_refuses_a_second_writer(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _run(out, runs=5)
    holder = RunLock(out)
    holder.acquire()
    try:
        with pytest.raises(CapexsimError, match="being written by process"):
            _run(out, runs=5, resume=True)
        with pytest.raises(CapexsimError, match="being written by process"):
            _run(out, runs=5, overwrite=True)
    finally:
        holder.release()
    _run(out, runs=5, resume=True)  # free again


def test_a_lock_left_by_a_dead_writer_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / "lock").write_text(json.dumps({"pid": 999_999_999, "host": "elsewhere"}))
    lock = RunLock(tmp_path)
    lock.acquire()  # nobody holds the flock: the file is stale whatever it says
    assert json.loads((tmp_path / "lock").read_text())["pid"] != 999_999_999
    lock.release()
    assert not (tmp_path / "lock").exists()


def test_resume_refuses_a_changed_scenario_seed_or_design(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _run(out, runs=10)
    with pytest.raises(CapexsimError, match="the scenario changed"):
        run(SMALL, out=out, resume=True, executor="serial", progress=False,
            overrides=["clock.horizon_months=5"])
    with pytest.raises(CapexsimError, match="seed was 3, now 4"):
        _run(out, runs=10, seed=4, resume=True)
    with pytest.raises(CapexsimError, match="design was 'mc', now 'lhs'"):
        _run(out, runs=10, design="lhs", resume=True)
    with pytest.raises(CapexsimError, match="runs was 10, now 11"):
        _run(out, runs=11, resume=True)


def test_resume_fills_unset_options_from_the_manifest(tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = _run(out, runs=12, seed=9, design="lhs")
    again = run(SMALL, out=out, resume=True, executor="serial", progress=False)
    assert again.summary == first.summary


def test_resume_needs_a_run_directory(tmp_path: Path) -> None:
    with pytest.raises(CapexsimError, match="nothing to resume"):
        _run(tmp_path / "none", resume=True)


def test_recovery_drops_unjournaled_fragments_and_a_torn_line(tmp_path: Path) -> None:
    """Simulate a crash: stop after some batches, then leave debris a kill could leave."""
    reference = _run(tmp_path / "reference", runs=40)
    out = tmp_path / "run"

    class CrashError(Exception):
        pass

    import sim.store.rundir as rundir

    original = rundir.RunDirectory.add
    calls = {"n": 0}

    def add_then_crash(self: Any, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            # the fragments of the 4th batch are written, its journal line is not
            original(self, *args, **kwargs)
            lines = list(read_lines(self.journal))
            self.journal.write_text("".join(line + "\n" for line in lines[:-1]))
            raise CrashError
        original(self, *args, **kwargs)

    rundir.RunDirectory.add = add_then_crash  # type: ignore[method-assign]
    try:
        with pytest.raises(CrashError):
            _run(out, runs=40, batch_size=5)
    finally:
        rundir.RunDirectory.add = original  # type: ignore[method-assign]
    append_line(out / "journal.jsonl", "")  # an empty line would not parse...
    with open(out / "journal.jsonl", "rb+") as fh:  # ...so make it a torn, unterminated one
        fh.seek(-1, 2)
        fh.truncate()
        fh.write(b'{"start": 35, "st')
    (out / "fragments" / ".kpis-x.parquet.tmp-1").write_bytes(b"partial")
    assert not (out / "lock").exists()
    resumed = _run(out, runs=40, batch_size=5, resume=True)
    assert resumed.summary == reference.summary
    for name in ("kpis.parquet", "series_bands.parquet", "summary.json"):
        assert (out / name).read_bytes() == (tmp_path / "reference" / name).read_bytes()


def test_missing_batches_cover_the_gaps_exactly() -> None:
    assert list(missing_batches([], 10, 4)) == [(0, 4), (4, 8), (8, 10)]
    assert list(missing_batches([(0, 3), (6, 8)], 10, 2)) == [(3, 5), (5, 6), (8, 10)]
    assert list(missing_batches([(0, 10)], 10, 3)) == []
    assert list(missing_batches([(4, 6)], 5, 8)) == [(0, 4)]
    # a checkpoint's ranges cut batches, so a redone batch is wholly inside or outside one
    assert list(missing_batches([(8, 10)], 12, 8, [(0, 4)])) == [(0, 4), (4, 8), (10, 12)]


def test_missing_batches_are_lazy() -> None:
    batches = missing_batches([], 10**12, 64)
    assert next(batches) == (0, 64)
    assert next(batches) == (64, 128)


def test_sketch_bands_do_not_depend_on_grouping() -> None:
    rng = np.random.default_rng(5)
    values = rng.lognormal(2.0, 1.5, size=(300, 2, 3))
    values[:, 1, :] = 4.25  # a constant series
    values[10, 0, 0] = np.nan
    names = ("a", "b")
    whole = SeriesSketch.of(names, values)
    pieces = [SeriesSketch.of(names, values[i:i + 13]) for i in range(0, 300, 13)]
    grouped = SeriesSketch.merge([SeriesSketch.merge(pieces[::2]),
                                  SeriesSketch.merge(pieces[1::2])])
    for key, band in whole.bands().items():
        assert np.array_equal(band, grouped.bands()[key], equal_nan=True), key
    bands = whole.bands()
    assert np.all(bands["p50"][1] == 4.25)  # exact for a constant
    assert bands["count"][0, 0] == 299  # the NaN is left out
    exact = np.nanquantile(values, [0.05, 0.5, 0.95], axis=0)
    for i, key in enumerate(("p5", "p50", "p95")):
        assert np.allclose(bands[key], exact[i], rtol=0.016), key  # within a bin (1.6%)
    assert np.allclose(bands["mean"], np.nanmean(values, axis=0), rtol=1e-14)


def test_sketch_sums_are_exact() -> None:
    values = np.array([1e20, 1.0, -1e20, 3.0, 1e-10]).reshape(5, 1, 1)
    sketch = SeriesSketch.merge([SeriesSketch.of(("x",), values[i:i + 1]) for i in range(5)])
    assert sketch.means()[0, 0] == (4.0 + 1e-10) / 5


def test_sketch_exact_sums_and_extremes_by_hand() -> None:
    """A cell's sum is kept exactly, as floats whose exact sum is the values' exact sum
    (1e16 + 1 + 1 + ... is not a double), checked with rationals; each histogram bin keeps its
    count and its least and greatest value."""
    from fractions import Fraction

    from sim.store.sketch import SeriesSketch

    values = [1e16, 1.0, 1.0, 2.5, 2.5000001, -3e-9]
    sketch = SeriesSketch.of(["x"], np.array(values).reshape(len(values), 1, 1))
    parts = sketch.sums[0].tolist()
    assert sum(map(Fraction, parts)) == sum(map(Fraction, values))
    assert len([x for x in parts if x != 0.0]) >= 2  # one double cannot hold it
    # bins in value order: -3e-9; 1.0 (twice); 2.5 and 2.5000001 (same exponent and top six
    # mantissa bits); 1e16
    assert sketch.counts.tolist() == [1, 2, 2, 1]
    assert sketch.mins.tolist() == [-3e-9, 1.0, 2.5, 1e16]
    assert sketch.maxs.tolist() == [-3e-9, 1.0, 2.5000001, 1e16]
