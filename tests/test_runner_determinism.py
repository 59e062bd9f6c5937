"""Same seed, same bytes: serial = processes = Dask, whatever the worker count and batch size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.runner import RunResult, run

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "scenarios" / "small_uncertain.yaml"
RUNS = 45
FILES = ("kpis.parquet", "series_bands.parquet", "summary.json")


def _run(out: Path, **kwargs: Any) -> RunResult:
    options: dict[str, Any] = {"runs": RUNS, "seed": 42, "design": "lhs", "progress": False}
    options.update(kwargs)
    return run(SMALL, out=out, **options)


def _same_table(a: pa.Table, b: pa.Table) -> None:
    """Equal schemas and values (NaN equal to NaN, which Arrow's ``equals`` denies)."""
    assert a.schema == b.schema
    for name in a.column_names:
        x, y = a[name].to_numpy(), b[name].to_numpy()
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


def _same_files(a: Path, b: Path, files: tuple[str, ...] = FILES) -> None:
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    _run(out, executor="serial", batch_size=RUNS, series=True)
    return out


@pytest.mark.parametrize("batch_size", [1, 7, 32])
def test_serial_batch_sizes_give_identical_files(reference: Path, tmp_path: Path,
                                                 batch_size: int) -> None:
    _run(tmp_path / "run", executor="serial", batch_size=batch_size, series=True)
    _same_files(reference, tmp_path / "run", (*FILES, "series.parquet"))


def test_memory_results_equal_the_run_directory(reference: Path) -> None:
    result = _run(None, executor="serial", batch_size=7)  # type: ignore[arg-type]
    assert result.directory is None
    _same_table(result.to_arrow(), pq.read_table(reference / "kpis.parquet"))
    _same_table(result.bands_arrow(), pq.read_table(reference / "series_bands.parquet"))
    stored = RunResult.load(reference)
    assert result.summary == stored.summary
    frame = result.kpis
    assert list(frame["replication"]) == list(range(RUNS))
    assert "target:run done by 2024-02" in frame.columns
    assert "input:fleet.0.count" in frame.columns
    assert list(result.targets["name"]) == ["run done by 2024-02"]


@pytest.mark.parametrize("design", ["mc", "sobol"])
def test_every_design_is_batch_independent(tmp_path: Path, design: str) -> None:
    a = _run(tmp_path / "a", executor="serial", batch_size=RUNS, design=design)
    b = _run(tmp_path / "b", executor="serial", batch_size=4, design=design)
    assert a.directory is not None
    assert b.directory is not None
    _same_files(a.directory, b.directory)


def test_another_seed_gives_another_result(reference: Path, tmp_path: Path) -> None:
    _run(tmp_path / "run", executor="serial", seed=43)
    assert (tmp_path / "run" / "kpis.parquet").read_bytes() != \
        (reference / "kpis.parquet").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize(("workers", "batch_size"), [(1, 7), (2, 1), (2, 7), (2, 32)])
def test_processes_equal_serial(reference: Path, tmp_path: Path, workers: int,
                                batch_size: int) -> None:
    _run(tmp_path / "run", executor="processes", workers=workers, batch_size=batch_size,
         series=True)
    _same_files(reference, tmp_path / "run", (*FILES, "series.parquet"))


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    import logging

    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                  silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
@pytest.mark.parametrize("batch_size", [7, 32])
def test_dask_equals_serial(reference: Path, tmp_path: Path, dask_scheduler: str,
                            batch_size: int) -> None:
    _run(tmp_path / "run", executor="dask", scheduler=dask_scheduler, batch_size=batch_size)
    _same_files(reference, tmp_path / "run")


@pytest.mark.slow
def test_dask_local_cluster_of_its_own(reference: Path, tmp_path: Path) -> None:
    _run(tmp_path / "run", executor="dask", workers=2, batch_size=5)
    _same_files(reference, tmp_path / "run")


def test_kpi_table_layout(reference: Path) -> None:
    table = pq.read_table(reference / "kpis.parquet")
    assert table.num_rows == RUNS
    assert table.column_names[0] == "replication"
    assert np.array_equal(table["replication"].to_numpy(), np.arange(RUNS))
    assert pq.ParquetFile(reference / "kpis.parquet").metadata.num_row_groups == 1
