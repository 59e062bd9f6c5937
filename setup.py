"""Optional compiled engine: ``CAPEXSIM_COMPILE=1`` compiles the model (``sim/model``) with mypyc.

The default install is pure Python: what the tests, mutation testing and a reader's edits see.
A compiled build gives the same numbers, bit for bit (``tests/test_compiled.py`` checks it),
about twice as fast; build it into its own environment, never over an editable checkout (the
compiled modules would shadow edits to their sources). mypyc type-checks what it compiles, so
the dependencies and stubs go in first:

    python3 -m venv .venv-fast && .venv-fast/bin/pip install -q 'setuptools>=69' wheel '.[dev]'
    CAPEXSIM_COMPILE=1 .venv-fast/bin/pip install -q --no-build-isolation --no-deps \
        --force-reinstall .

``sim.model.engine_build()`` and every run's ``manifest.json`` say which engine ran.
"""

from __future__ import annotations

import os

from setuptools import setup

COMPILED_MODULES = [
    f"sim/model/{name}.py"
    for name in ("allocation", "costs", "demand", "engine", "fleet", "inference", "inputs",
                 "leases", "ledger", "procurement", "recorder", "results", "rulebook",
                 "scheduling", "training")
]
"""The engine's modules compiled by ``CAPEXSIM_COMPILE=1`` (everything one replication runs)."""


def _ext_modules() -> list[object]:
    if os.environ.get("CAPEXSIM_COMPILE", "") != "1":
        return []
    from mypyc.build import mypycify

    return list(mypycify(COMPILED_MODULES, opt_level="3"))


if __name__ == "__main__":
    setup(ext_modules=_ext_modules())
