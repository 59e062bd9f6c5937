"""Shared pytest setup: hypothesis profiles (derandomized in CI) and common fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=100, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=50)
# A long randomised run (README: "Property tests, longer"); pass --hypothesis-seed=N to replay.
settings.register_profile(
    "nightly", deadline=None, max_examples=2000, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = "ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev")
settings.load_profile(PROFILE)

ROOT = Path(__file__).resolve().parent.parent


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed", default=None)
    shown = seed if seed is not None else "random (pass --hypothesis-seed=N to fix it)"
    return f"hypothesis profile: {PROFILE}; seed: {shown}"


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT
