"""The optional compiled engine (``CAPEXSIM_COMPILE=1``, see ``setup.py``) gives the same numbers
as the pure-Python engine, bit for bit: KPIs, monthly series, targets and observations of every
shipped and test scenario, and a run's manifest says which engine ran."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted(
    p for p in (ROOT / "tests" / "scenarios").glob("*.yaml"))
RUNS = 12

_FINGERPRINT = r'''
import json, sys
import numpy as np
from sim.api import run_batch
from sim.loading import load_scenario
from sim.model import engine_build
out = {"engine": engine_build()}
for path in sys.argv[2:]:
    batch = run_batch(load_scenario(path), range(int(sys.argv[1])), with_series=True)
    out[path] = [batch.kpis.tolist(), batch.series.tolist(), batch.targets.tolist(),
                 batch.observations.tolist()]
print(json.dumps(out))
'''


def _fingerprint(pythonpath: Path, cwd: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    run = subprocess.run([sys.executable, "-c", _FINGERPRINT, str(RUNS),
                          *map(str, SCENARIOS)], capture_output=True, text=True, check=False,
                         cwd=cwd, env=env, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    result: dict[str, object] = json.loads(run.stdout)
    return result


@pytest.mark.slow
def test_compiled_engine_gives_the_pure_python_numbers(tmp_path: Path) -> None:
    pytest.importorskip("mypyc")
    build = tmp_path / "src"
    shutil.copytree(ROOT / "sim", build / "sim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    for name in ("setup.py", "pyproject.toml"):  # the build and mypy settings
        shutil.copy(ROOT / name, build / name)
    made = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=build,
                          env={**os.environ, "CAPEXSIM_COMPILE": "1"}, capture_output=True,
                          text=True, check=False, timeout=900)
    assert made.returncode == 0, made.stderr[-3000:]
    assert list((build / "sim" / "model").glob("engine*.so")), "no compiled engine was built"

    compiled = _fingerprint(build, tmp_path)
    plain = _fingerprint(ROOT, tmp_path)
    assert compiled.pop("engine") == "mypyc"
    assert plain.pop("engine") == "python"
    assert compiled.keys() == plain.keys()
    for path, parts in plain.items():
        assert isinstance(parts, list)
        other = compiled[path]
        assert isinstance(other, list)
        for name, a, b in zip(("kpis", "series", "targets", "observations"), parts, other,
                              strict=True):
            assert np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                                  equal_nan=True), (path, name)
