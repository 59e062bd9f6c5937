"""The report in a real browser: headless Chromium renders it, the screenshot is not blank, the
page logs nothing (no error, no blocked request), and the DOM has every section.

Chromium is a system package (``.ci/run`` installs it). Without it the test is skipped, except
in CI (``CI`` set), where it must run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sim.report import write_report
from tests.report_helpers import small_run

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="/usr/bin/chromium is not installed (apt-get install chromium; CI installs it)",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = small_run(tmp_path_factory.mktemp("browser") / "run", reference=True, runs=24)
    return write_report(directory).path


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM.exists(), "CI must have /usr/bin/chromium (.ci/run installs it)"
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def _page_messages(stderr: str) -> list[str]:
    """Console messages and network errors of the page (not the browser's own chatter)."""
    return [line for line in stderr.splitlines()
            if ":CONSOLE" in line or "net::ERR" in line or "violates" in line]


def test_screenshot_is_not_blank_and_the_page_logs_nothing(report: Path,
                                                           tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "shot.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,4000",
                     report.resolve().as_uri())
    assert shot.is_file(), done.stderr[-2000:]
    assert _page_messages(done.stderr) == []
    with Image.open(shot) as image:
        gray = image.convert("L")
        assert gray.size == (1280, 4000)
        histogram = gray.histogram()
    total = sum(histogram)
    white = sum(histogram[245:])
    dark = sum(histogram[:100])
    assert white < 0.97 * total, "the screenshot is (almost) blank"
    assert dark > 0.002 * total, "no text or lines drawn"
    assert sum(1 for count in histogram if count) > 50, "too few shades: charts not drawn"


def test_dom_has_every_section_and_images_decode(report: Path, tmp_path: Path) -> None:
    done = _chromium(tmp_path, "--dump-dom", report.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    for section in ("headline", "targets", "fans", "distributions", "timeline", "kpis",
                    "inputs", "provenance"):
        assert f'id="{section}"' in dom, section
    assert dom.count("data:image/png;base64,") >= 4
    assert _page_messages(done.stderr) == []


def test_a_request_leaving_the_file_would_be_seen(tmp_path: Path) -> None:
    """The check above is not vacuous: a page under the same policy that tries to load an
    image from the network logs a blocked request."""
    from sim.report.html import CSP

    page = tmp_path / "leaky.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                    f'content="{CSP}"></head><body><img src="http://127.0.0.1:9/x.png">'
                    "</body></html>", encoding="utf-8")
    done = _chromium(tmp_path, "--dump-dom", page.resolve().as_uri())
    assert any("127.0.0.1:9" in line for line in _page_messages(done.stderr))
