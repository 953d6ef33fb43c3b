"""Browser tests skip without Chromium (saying why and how to install it), or fail in CI."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_gate(tmp_path: Path, *, chromium: str, require: str | None) -> subprocess.CompletedProcess:
    """pytest on a one-test file with the ``browser`` marker, Chromium path patched."""
    test = tmp_path / "test_needs_browser.py"
    test.write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.browser
            def test_opens_a_page():
                pass
            """
        )
    )
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import importlib.util

            spec = importlib.util.spec_from_file_location("repo_conftest", {str(REPO / "conftest.py")!r})
            repo = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(repo)
            repo.CHROMIUM = {chromium!r}
            pytest_configure = repo.pytest_configure
            pytest_runtest_setup = repo.pytest_runtest_setup
            """
        )
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -rs -p no:cacheprovider\n")
    env = {"PATH": "/usr/bin:/bin"}
    if require is not None:
        env["LABKIT_REQUIRE_BROWSER"] = require
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(test), "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_missing_browser_skips_with_reason_and_install_line(tmp_path):
    done = run_gate(tmp_path, chromium=str(tmp_path / "no-chromium"), require=None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert "is missing" in done.stdout and "apt-get install chromium" in done.stdout  # -rs


def test_a_missing_browser_fails_when_required(tmp_path):
    done = run_gate(tmp_path, chromium=str(tmp_path / "no-chromium"), require="1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 error" in done.stdout and "LABKIT_REQUIRE_BROWSER=1" in done.stdout  # in set-up


def test_a_present_browser_runs_the_test(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    done = run_gate(tmp_path, chromium=str(fake), require="1")
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def test_ci_requires_the_browser_and_checks_both_editions():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "export LABKIT_REQUIRE_BROWSER=1" in ci
    assert "apt_install chromium" in ci
    assert ".venv/bin/python scripts/editions.py --check" in ci
