"""Binder, emulated: the lessons run in an environment built from ``binder/`` alone.

repo2docker (the tool behind mybinder.org) reads only ``binder/`` when that folder exists:
``runtime.txt`` (Python version), ``requirements.txt`` (installed *before* the repository is
copied, so the layer is cached, only when it names no local path), ``postBuild`` (run once
after the copy) and ``start`` (run at every launch, ending in ``exec "$@"``).
https://repo2docker.readthedocs.io/en/latest/config_files.html

* ``repo2docker --no-build`` prints the Dockerfile it would build (no Docker daemon needed):
  it must use ``binder/`` and Python 3.11, install the pins before copying the repository,
  and run ``postBuild`` and ``start``.
* A fresh virtual environment gets ``binder/requirements.txt`` only; ``binder/postBuild``
  installs labkit from a copy of the repository; through ``binder/start``, every lesson is
  executed and must reproduce its stored outputs (``scripts/editions.py --check --stored``,
  which re-runs the stored docs edition without needing jupytext).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def repo_files() -> list[str]:
    """Files a clone would have: tracked plus new, not ignored (so uncommitted work counts)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [f for f in out.split("\0") if f and (REPO / f).is_file()]


def copy_repo(dest: Path) -> Path:
    for rel in repo_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, target)
    return dest


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def test_repo2docker_uses_the_binder_folder(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    done = subprocess.run(
        [sys.executable, "-m", "repo2docker", "--no-build", "--no-run", str(repo)],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    dockerfile, log = done.stdout, done.stderr
    assert "python=3.11" in log, log[-2000:]  # binder/runtime.txt
    install = 'pip install --no-cache-dir -r "binder/requirements.txt"'
    copy_all = "COPY --chown=0:0 src/ ${REPO_DIR}/"
    assert install in dockerfile
    assert copy_all in dockerfile
    # cached: the pins are installed before the repository's content is copied
    assert dockerfile.index(install) < dockerfile.index(copy_all)
    assert "RUN ./binder/postBuild" in dockerfile
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile
    # the root requirements.txt (labkit + test tools) and pyproject.toml are ignored
    assert "src/requirements.txt" not in dockerfile
    assert '-r "requirements.txt"' not in dockerfile


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_lessons_run_in_an_environment_built_from_binder_alone(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    venv = tmp_path / "venv"
    python = shutil.which("python3.11") or sys.executable
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=300)
    env = clean_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run(
        [*pip, "-r", "binder/requirements.txt"], cwd=repo, env=env, check=True, timeout=1500
    )
    subprocess.run(["./binder/postBuild"], cwd=repo, env=env, check=True, timeout=600)

    def start(*cmd: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["./binder/start", *cmd],
            cwd=repo,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=1800,
        )

    where = start(
        "python", "-c", "import labkit, os; print(labkit.__file__, os.environ['LABKIT_MODE'])"
    )
    assert where.returncode == 0, where.stderr
    path, mode = where.stdout.split()
    assert Path(path).resolve().is_relative_to(repo.resolve())  # postBuild installed the copy
    assert mode == "offline"
    kept = start("python", "-c", "import os; print(os.environ['LABKIT_MODE'])", LABKIT_MODE="aws")
    assert kept.stdout.strip() == "aws"  # start sets a default, not an override
    assert not (venv / "bin" / "pytest").exists()  # nothing beyond binder/ was installed

    ran = start("python", "scripts/editions.py", "--check", "--stored")
    assert ran.returncode == 0, f"{ran.stdout[-4000:]}\n{ran.stderr[-2000:]}"
