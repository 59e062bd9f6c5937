"""A damaged run directory: ``capexsim verify`` names each damage, and ``--resume`` redoes the
damaged batches (one line each) to the bytes of an uninterrupted run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import sim.runner.driver as driver
from cli import main
from sim.store.rundir import RunDirectory

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "scenarios" / "small_uncertain.yaml")
RUNS, BATCH = 40, 5
FINAL = ("kpis.parquet", "series_bands.parquet", "summary.json")


class StopBeforeFinishError(Exception):
    """Stands for a kill after every batch was journaled."""


def _args(out: Path, *extra: str) -> list[str]:
    return ["run", SMALL, "--runs", str(RUNS), "--seed", "3", "--executor", "serial",
            "--batch-size", str(BATCH), "--out", str(out), *extra]


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    result = _invoke(*_args(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def unfinished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run directory with every batch journaled but the final files not written."""
    out = tmp_path / "run"

    def stop(self: RunDirectory, n: int) -> None:
        raise StopBeforeFinishError

    with monkeypatch.context() as patch:
        patch.setattr(RunDirectory, "write_tables", stop)
        patch.setattr(driver, "CHECKPOINT_EVERY", 3)  # a checkpoint after batches 3 and 6
        result = _invoke(*_args(out))
    assert isinstance(result.exception, StopBeforeFinishError)
    return out


def _fragment(out: Path, start: int, kind: str = "kpis", ext: str = "parquet") -> Path:
    return out / "fragments" / f"{kind}-{start:012d}-{start + BATCH:012d}.{ext}"


def _overwrite(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:612] = bytes(512)
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(60, 66):  # inside the first column's data page
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    path.unlink()


def _assert_same_as_reference(out: Path, reference: Path) -> None:
    for name in FINAL:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


DAMAGES: dict[str, Callable[[Path], None]] = {
    "overwrite 512 bytes": _overwrite, "truncate to half": _truncate,
    "flip bytes in a data page": _flip, "delete": _delete,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_fragment_is_named_and_its_batch_redone(
        damage: str, unfinished: Path, reference: Path) -> None:
    DAMAGES[damage](_fragment(unfinished, 20))  # batch 20..24, after the last checkpoint
    DAMAGES[damage](_fragment(unfinished, 5))  # batch 5..9, inside a checkpoint
    checked = _invoke("verify", str(unfinished))
    assert checked.exit_code == 1, checked.output
    lines = checked.stdout.strip().splitlines()
    assert len(lines) == 2, lines
    assert "replications 5..9: fragments/kpis-000000000005-000000000010.parquet" in lines[0]
    assert "replications 20..24" in lines[1]
    resumed = _invoke(*_args(unfinished, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    notes = [line for line in resumed.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 2, resumed.stderr
    assert all("redoing the batch" in line for line in notes)
    assert "Traceback" not in resumed.output
    _assert_same_as_reference(unfinished, reference)
    assert _invoke("verify", str(unfinished)).exit_code == 0


def test_a_garbled_middle_journal_line_is_reported_with_its_number(
        unfinished: Path, reference: Path) -> None:
    journal = unfinished / "journal.jsonl"
    lines = journal.read_bytes().split(b"\n")
    middle = len(lines) // 2
    lines[middle] = lines[middle][:20] + b"\xff garbled \x00" + lines[middle][30:]
    journal.write_bytes(b"\n".join(lines))
    checked = _invoke("verify", str(unfinished))
    assert checked.exit_code == 1
    assert f"journal.jsonl line {middle + 1} is garbled" in checked.stdout
    resumed = _invoke(*_args(unfinished, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    assert f"journal.jsonl line {middle + 1} is garbled" in resumed.stderr
    _assert_same_as_reference(unfinished, reference)


def test_a_journal_line_with_a_changed_digit_is_garbled(unfinished: Path) -> None:
    journal = unfinished / "journal.jsonl"
    lines = journal.read_text().splitlines()
    entry = json.loads(lines[0])
    lines[0] = lines[0].replace(f'"stop":{entry["stop"]}', f'"stop":{entry["stop"] + 1}')
    journal.write_text("\n".join(lines) + "\n")
    checked = _invoke("verify", str(unfinished))
    assert "journal.jsonl line 1 is garbled" in checked.stdout


def test_a_damaged_checkpoint_redoes_the_batches_it_summarised(
        unfinished: Path, reference: Path) -> None:
    checkpoint = next((unfinished / "fragments").glob("checkpoint-*.npz"))
    _flip(checkpoint)
    checked = _invoke("verify", str(unfinished))
    assert checked.exit_code == 1
    assert f"fragments/{checkpoint.name} does not match its SHA-256" in checked.stdout
    resumed = _invoke(*_args(unfinished, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    _assert_same_as_reference(unfinished, reference)


def test_damaged_final_files_are_recomputed(tmp_path: Path, reference: Path) -> None:
    out = tmp_path / "run"
    assert _invoke(*_args(out)).exit_code == 0
    assert _invoke("verify", str(out)).stdout.startswith(f"ok: {out}: complete, 40 ")
    _flip(out / "kpis.parquet")
    checked = _invoke("verify", str(out))
    assert checked.exit_code == 1
    assert "kpis.parquet does not match its SHA-256" in checked.stdout
    resumed = _invoke(*_args(out, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    assert "redoing every replication" in resumed.stderr
    _assert_same_as_reference(out, reference)


def test_a_directory_holding_only_a_lock_is_started_afresh(tmp_path: Path,
                                                           reference: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "lock").write_text(json.dumps({"pid": 1, "host": "gone"}))
    resumed = _invoke(*_args(out, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    assert "holds only the lock of a run killed before it started" in resumed.stderr
    _assert_same_as_reference(out, reference)
    again = tmp_path / "again"
    again.mkdir()
    (again / "lock").write_text("")
    plain = _invoke(*_args(again))
    assert plain.exit_code == 0, plain.output
    _assert_same_as_reference(again, reference)


def test_verify_refuses_what_is_not_a_run_directory(tmp_path: Path) -> None:
    result = _invoke("verify", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "not a capexsim run directory" in \
        result.stderr


