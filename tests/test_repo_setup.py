"""The repository's promises to a newcomer: commands, pins, Binder files and pytest config.

* The README gives two one-line commands for a fresh machine with Python 3.11; CI
  (``.ci/run``) runs the test command exactly as written.
* ``binder/requirements.txt`` holds exact pins of third-party packages only (a local path
  or ``-r``/``-c`` line would defeat repo2docker's cache), covering pyproject's ranges.
* The root ``requirements.txt`` adds labkit itself and exactly pinned test tools.
* ``binder/`` has ``runtime.txt``, an executable ``postBuild`` that stops on errors, and an
  executable ``start`` ending in ``exec "$@"`` (repo2docker's rules).
* ``pytest`` alone runs the unit tests and strict nbval over the lessons.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$")
SETUP = "python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt"
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def command_after(marker: str) -> str:
    """The single line of the bash block that follows ``<!-- marker -->`` in the README."""
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)\n```", README, flags=re.S)
    assert match, f"README has no ```bash block after <!-- {marker} -->"
    lines = match.group(1).strip().splitlines()
    assert len(lines) == 1, f"the {marker} must be one line, found {len(lines)}"
    return lines[0]


def requirement_lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [
        line.split(" #")[0].strip()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def git_mode(path: str) -> str:
    out = subprocess.run(
        ["git", "ls-files", "-s", path], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return out.split()[0] if out else ""


def test_readme_lab_command_sets_up_and_opens_the_first_lesson_offline():
    command = command_after("lab-command")
    assert command.startswith(SETUP + " && ")
    assert "LABKIT_MODE=offline" in command
    assert 'JUPYTER_CONFIG_PATH="$PWD/jupyter-config"' in command  # no news pop-up
    assert command.endswith(".venv/bin/jupyter lab --allow-root notebooks/00_start_here.ipynb")


def test_readme_lab_command_really_starts_jupyterlab_on_the_first_lesson(tmp_path):
    """Run the README's launch step (after set-up) as written, in this test's environment.

    Catches what reading the text cannot, e.g. JupyterLab refusing to start as root.
    """
    launch = command_after("lab-command").split(" && ")[-1]
    launch = launch.replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    port, token = _free_port(), "readme-test"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    options = f" --no-browser --port={port} --ServerApp.token={token}"
    server = subprocess.Popen(
        ["bash", "-c", f"{launch}{options}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, f"JupyterLab exited: {server.stderr.read()[-2000:]}"
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not answer within 90 s"
                time.sleep(0.5)
        # given a file, JupyterLab serves from that file's folder and opens the file in it
        url = f"{base}/api/contents/00_start_here.ipynb?content=0&token={token}"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert json.load(response)["type"] == "notebook"
        # JupyterLab asks "Would you like to get notified about official Jupyter news?"
        # while fetchNews is "none" (its default); the lab's setting defaults say "false"
        url = f"{base}/lab/api/settings/{NOTIFICATION}?token={token}"
        with urllib.request.urlopen(url, timeout=10) as response:
            schema = json.load(response)["schema"]["properties"]
        assert schema["fetchNews"]["default"] == "false"
        assert schema["checkForUpdates"]["default"] is False
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # bash and the server it started
        server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readme_test_command_is_what_ci_runs():
    command = command_after("test-command")
    assert command == SETUP + " && .venv/bin/python -m pytest"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert f"TEST_COMMAND='{command}'" in ci
    assert 'bash -c "$TEST_COMMAND"' in ci


def test_readme_binder_badge_opens_the_first_lesson_in_jupyterlab():
    links = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+", README)
    assert links, "no Binder link in the README"
    for link in links:
        assert "//" not in link.removeprefix("https://"), link
        assert "?labpath=notebooks%2F00_start_here.ipynb" in link, link
    assert "mybinder.org/badge_logo.svg" in README


def test_binder_requirements_are_exact_third_party_pins():
    lines = requirement_lines(REPO / "binder" / "requirements.txt")
    assert lines
    bad = [line for line in lines if not PIN.match(line)]
    assert not bad, f"not an exact third-party pin (repo2docker would not cache): {bad}"
    names = [Requirement(line).name.lower().replace("_", "-") for line in lines]
    assert len(names) == len(set(names)), "a package is pinned twice"
    assert "labkit" not in names


def test_binder_pins_satisfy_pyproject_dependencies():
    pins = {}
    for line in requirement_lines(REPO / "binder" / "requirements.txt"):
        req = Requirement(line)
        pins[req.name.lower().replace("_", "-")] = next(iter(req.specifier)).version
    for dep in pyproject()["project"]["dependencies"]:
        req = Requirement(dep)
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{name} (a labkit dependency) has no pin in binder/requirements.txt"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {req}"


def test_root_requirements_add_labkit_and_pinned_test_tools():
    lines = requirement_lines(REPO / "requirements.txt")
    assert lines[:2] == ["-r binder/requirements.txt", "-e ."]
    bad = [line for line in lines[2:] if not PIN.match(line)]
    assert not bad, f"test tools must be exact pins: {bad}"
    names = {Requirement(line).name.lower() for line in lines[2:]}
    assert {"pytest", "nbval", "playwright", "jupyter-repo2docker", "ruff"} <= names


def test_binder_runtime_matches_the_supported_python():
    runtime = (REPO / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == "python-3.11"
    assert pyproject()["project"]["requires-python"] == ">=3.11"


def test_binder_postbuild_and_start_follow_repo2docker_rules():
    post = (REPO / "binder" / "postBuild").read_text(encoding="utf-8")
    start = (REPO / "binder" / "start").read_text(encoding="utf-8")
    assert post.startswith("#!/bin/bash\n") and start.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in post  # errors do not stop a build otherwise
    assert "pip install --no-deps -e ." in post
    assert start.rstrip().splitlines()[-1] == 'exec "$@"'
    assert 'LABKIT_MODE="${LABKIT_MODE:-offline}"' in start
    assert 'JUPYTER_CONFIG_PATH="$repo/jupyter-config' in start  # no news pop-up on Binder
    overrides = REPO / "jupyter-config" / "labconfig" / "default_setting_overrides.json"
    assert json.loads(overrides.read_text())[NOTIFICATION]["fetchNews"] == "false"
    assert git_mode("binder/postBuild") == "100755"
    assert git_mode("binder/start") == "100755"


def test_pytest_alone_runs_unit_tests_and_strict_nbval_on_the_lessons():
    options = pyproject()["tool"]["pytest"]["ini_options"]
    assert {"tests", "docs/lessons"} <= set(options["testpaths"])  # the executed docs edition
    assert "notebooks" not in options["testpaths"]  # the blank learner edition has no outputs
    addopts = options["addopts"].split()
    assert "--nbval" in addopts and "--nbval-lax" not in addopts
    assert "--nbval-current-env" in addopts
    sanitize = [a for a in addopts if a.startswith("--nbval-sanitize-with")]
    assert sanitize == ["--nbval-sanitize-with=tests/nbval_sanitize.cfg"]
    assert (REPO / "tests" / "nbval_sanitize.cfg").is_file()
    assert "-rs" in addopts  # skip reasons (a missing browser) show in the summary


@pytest.mark.parametrize("script", [".ci/run", "binder/postBuild", "binder/start"])
def test_shell_scripts_parse(script):
    done = subprocess.run(["bash", "-n", str(REPO / script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
