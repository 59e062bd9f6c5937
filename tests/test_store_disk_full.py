"""A full disk: one line naming the path and the cause, exit 1, and a clean resume once there
is room. On a small tmpfs where the test may mount one (CI runs as root), else under a
file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so the write fails with EFBIG)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.runner import run

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "scenarios" / "small_uncertain.yaml"
RUNS = 200
ENV = {**os.environ, "CI": "true"}


def _command(out: Path, *extra: str) -> list[str]:
    exe = Path(sys.executable).with_name("capexsim")
    return [str(exe), "run", str(SMALL), "--runs", str(RUNS), "--seed", "2", "--executor",
            "serial", "--batch-size", "5", "--out", str(out), *extra]


def _mount(where: Path, size: str, *, remount: bool = False) -> bool:
    options = f"remount,size={size}" if remount else f"size={size}"
    args = ["mount", "-o", options, str(where)] if remount else \
        ["mount", "-t", "tmpfs", "-o", options, f"capexsim-{uuid.uuid4().hex[:8]}", str(where)]
    try:
        return subprocess.run(args, capture_output=True, timeout=10,
                              check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@contextlib.contextmanager
def _small_filesystem(where: Path) -> Iterator[bool]:
    where.mkdir()
    mounted = os.geteuid() == 0 and _mount(where, "96k")
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(where)], capture_output=True, timeout=10,
                           check=False)


def _assert_one_line(result: subprocess.CompletedProcess[str], out: Path, cause: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot write {out}/"), lines[0]
    assert cause in lines[0], lines[0]
    assert lines[0].endswith(f"finish the run with --resume --out {out}"), lines[0]


def _limit_file_size(limit: int) -> None:  # runs in the child, before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_the_run_resumes(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    run(SMALL, runs=RUNS, seed=2, executor="serial", out=reference, progress=False)
    with _small_filesystem(tmp_path / "small") as mounted:
        out = tmp_path / "small" / "run"
        if mounted:
            full = subprocess.run(_command(out), capture_output=True, text=True, env=ENV,
                                  timeout=300, check=False)
            _assert_one_line(full, out, "No space left on device (errno 28)")
            assert _mount(tmp_path / "small", "16m", remount=True)
        else:  # no tmpfs: the final kpis.parquet (about 40 kB) exceeds a 20 kB file-size limit
            full = subprocess.run(_command(out), capture_output=True, text=True, env=ENV,
                                  timeout=300, check=False,
                                  preexec_fn=lambda: _limit_file_size(20_000))
            _assert_one_line(full, out, "File too large (errno 27)")
        resumed = subprocess.run(_command(out, "--resume"), capture_output=True, text=True,
                                 env=ENV, timeout=300, check=False)
        assert resumed.returncode == 0, resumed.stderr
        for name in ("kpis.parquet", "series_bands.parquet", "summary.json"):
            assert (out / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.mark.slow
def test_a_file_size_limit_is_one_line_and_the_run_resumes(tmp_path: Path) -> None:
    """The fallback path, run everywhere: SIGXFSZ handled, EFBIG reported."""
    out = tmp_path / "run"
    full = subprocess.run(_command(out), capture_output=True, text=True, env=ENV, timeout=300,
                          check=False, preexec_fn=lambda: _limit_file_size(20_000))
    _assert_one_line(full, out, "File too large (errno 27)")
    resumed = subprocess.run(_command(out, "--resume"), capture_output=True, text=True,
                             env=ENV, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr


def test_permission_denied_is_one_line(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        result = subprocess.run(_command(parent / "run"), capture_output=True, text=True,
                                env=ENV, timeout=300, check=False)
    finally:
        parent.chmod(0o700)
    assert result.returncode == 1
    assert "Permission denied" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_os_error_in_the_store_is_one_line_naming_path_and_cause(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Works as root too: the error is raised where the OS would raise it."""
    from click.testing import CliRunner

    import sim.store.files as files
    from cli import main

    real = os.replace
    calls = {"n": 0}

    def refuse(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == 6:
            raise PermissionError(13, "Permission denied", str(dst))
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", refuse)
    out = tmp_path / "run"
    result = CliRunner().invoke(main, _command(out)[1:])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot write {out}/fragments/"), lines[0]
    assert "Permission denied (errno 13)" in lines[0]
    monkeypatch.setattr(files.os, "replace", real)
    again = CliRunner().invoke(main, [*_command(out)[1:], "--resume"])
    assert again.exit_code == 0, again.output
