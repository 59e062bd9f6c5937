"""Arrow tables of a run's results, and Parquet files written the same way every time.

Column names (a researcher's query names them): ``replication``, then every KPI by name, then
``target:<name>`` (bool) for each target, ``obs:<name>`` (float) for each observation, then
``input:<path>`` for each uncertain input drawn.
Per-replication monthly series (on request) are long in replications and months, wide in
series: ``replication``, ``month``, then one column per series. Bands are one row per series
and month.

A final file is written from rows in replication order with row groups of a fixed size and
fixed writer options, so the same rows give the same bytes, however they were batched. Row
groups are small (:data:`ROW_GROUP` rows, a few MB for the reference scenario's ~170 columns) so
that writing a file of a million rows holds one group in memory, not the file. Every data page
carries a CRC-32 (``write_page_checksum``) and :func:`read_parquet` verifies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from sim.api import KPI_NAMES, BatchResult
from sim.calendar import format_month
from sim.store.files import atomic_write
from sim.store.sketch import BAND_QUANTILES, SeriesSketch

__all__ = ["ROW_GROUP", "band_table", "kpi_table", "observation_columns", "read_column",
           "read_parquet", "series_table", "target_columns", "write_parquet",
           "write_parquet_stream"]

ROW_GROUP = 4_096
_OPTIONS = {"compression": "zstd", "write_statistics": True, "write_page_checksum": True}


def read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """A Parquet file's table (some ``columns``), verifying every page's checksum."""
    return pq.read_table(path, columns=columns, page_checksum_verification=True)


def read_column(path: Path, name: str, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """One column of a Parquet file as a numpy array, read a row group at a time into one
    array (about the array's size in memory, not twice that, and no reader threads)."""
    with pq.ParquetFile(path, page_checksum_verification=True) as parquet:
        out = np.empty(parquet.metadata.num_rows, dtype=dtype)
        position = 0
        for group in range(parquet.num_row_groups):
            values = parquet.read_row_group(group, columns=[name], use_threads=False)
            chunk = values.column(0).to_numpy()
            out[position:position + len(chunk)] = chunk
            position += len(chunk)
    return out


def target_columns(names: Sequence[str]) -> list[str]:
    """``target:<name>`` per target, made unique (``target:<name> (2)``) if names repeat."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(f"target:{name}" if seen[name] == 1 else f"target:{name} ({seen[name]})")
    return out


def observation_columns(names: Sequence[str]) -> list[str]:
    """``obs:<name>`` per observation, made unique (``obs:<name> (2)``) if names repeat."""
    return [f"obs:{c.removeprefix('target:')}" for c in target_columns(names)]


def kpi_table(batch: BatchResult, target_names: Sequence[str]) -> pa.Table:
    """Replication, KPIs, target outcomes and drawn inputs of a batch, one row each."""
    arrays: list[pa.Array] = [pa.array(batch.replications, pa.int64())]
    names = ["replication"]
    for k, name in enumerate(KPI_NAMES):
        arrays.append(pa.array(batch.kpis[:, k], pa.float64()))
        names.append(name)
    for j, column in enumerate(target_columns(target_names)):
        arrays.append(pa.array(batch.targets[:, j], pa.bool_()))
        names.append(column)
    if batch.observations is not None:
        for j, column in enumerate(observation_columns(batch.observation_names)):
            arrays.append(pa.array(batch.observations[:, j], pa.float64()))
            names.append(column)
    for j, path in enumerate(batch.input_names):
        arrays.append(pa.array(batch.inputs[:, j], pa.float64()))
        names.append(f"input:{path}")
    return pa.Table.from_arrays(arrays, names=names)


def series_table(replications: npt.NDArray[np.int64], names: Sequence[str],
                 series: npt.NDArray[np.float64]) -> pa.Table:
    """``series[i, s, m]`` as rows ``(replication, month)`` with one column per series."""
    n, _, months = series.shape
    arrays: list[pa.Array] = [
        pa.array(np.repeat(replications, months), pa.int64()),
        pa.array(np.tile(np.arange(months, dtype=np.int32), n), pa.int32()),
    ]
    arrays += [pa.array(series[:, s, :].reshape(-1), pa.float64()) for s in range(len(names))]
    return pa.Table.from_arrays(arrays, names=["replication", "month", *names])


def band_table(sketch: SeriesSketch, start: str) -> pa.Table:
    """Mean and percentile bands of every series, one row per series and month."""
    bands = sketch.bands()
    n_series, months = len(sketch.names), sketch.months
    columns: dict[str, pa.Array] = {
        "series": pa.array(np.repeat(np.array(sketch.names, dtype=object), months), pa.string()),
        "month": pa.array(np.tile(np.arange(months, dtype=np.int32), n_series), pa.int32()),
        "month_label": pa.array([format_month(start, m) for m in range(months)] * n_series,
                                pa.string()),
        "count": pa.array(bands["count"].reshape(-1).astype(np.int64), pa.int64()),
        "mean": pa.array(bands["mean"].reshape(-1), pa.float64()),
    }
    for name in BAND_QUANTILES:
        columns[name] = pa.array(bands[name].reshape(-1), pa.float64())
    return pa.table(columns)


def write_parquet(path: Path, table: pa.Table, *, sync_dir: bool = True) -> None:
    """Write ``table`` to ``path`` atomically, with fixed row groups and options."""
    write_parquet_stream(path, table.schema, [table], sync_dir=sync_dir)


def write_parquet_stream(path: Path, schema: pa.Schema, tables: Iterable[pa.Table], *,
                         sync_dir: bool = True) -> None:
    """Write the rows of ``tables`` (in order) to ``path`` atomically, re-chunked into row
    groups of exactly :data:`ROW_GROUP` rows (the last one shorter), so that the bytes do not
    depend on how the rows were split."""

    def write(fh: IO[bytes]) -> None:
        # dictionaries pay for repeated strings (series names), not for distinct floats
        strings = [f.name for f in schema if pa.types.is_string(f.type)]
        with pq.ParquetWriter(fh, schema, use_dictionary=strings, **_OPTIONS) as writer:
            buffer: list[pa.Table] = []
            rows = 0
            for table in tables:
                buffer.append(table)
                rows += table.num_rows
                while rows >= ROW_GROUP:
                    joined = pa.concat_tables(buffer)
                    writer.write_table(joined.slice(0, ROW_GROUP).combine_chunks(),
                                       row_group_size=ROW_GROUP)
                    rest = joined.slice(ROW_GROUP)
                    buffer, rows = [rest], rest.num_rows
            if rows or not buffer:
                tail = pa.concat_tables(buffer) if buffer else schema.empty_table()
                writer.write_table(tail.combine_chunks(), row_group_size=ROW_GROUP)

    atomic_write(path, write, sync_dir=sync_dir)
