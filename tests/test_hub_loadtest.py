"""The workshop hub (deploy/jupyterhub/): the load test's pieces, its clean-up, and a room of two.

* Fast tests check the pieces the load test's figures come from: the last line's exact
  format, the percentile, the capacity arithmetic, which notebook cells run (blank or
  executed notebooks alike), the nbgitpuller link, the bare "workshop repository", and
  that :class:`LocalHub` stops what it started when starting fails.
* Slow tests run the real thing: JupyterHub, configurable-http-proxy, two learners'
  servers, nbgitpuller and kernels; and a Ctrl-C in the middle of a run. They need
  ``configurable-http-proxy`` (``npm install -g configurable-http-proxy``) and skip
  with that reason without it, unless ``LABKIT_REQUIRE_HUB=1`` (as in CI) makes its
  absence a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psutil
import pytest

REPO = Path(__file__).resolve().parent.parent
HUB_DIR = REPO / "deploy" / "jupyterhub"
LOADTEST = HUB_DIR / "loadtest.py"


def _load(name: str):
    if str(HUB_DIR) not in sys.path:
        sys.path.insert(0, str(HUB_DIR))
    spec = importlib.util.spec_from_file_location(name, HUB_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


localhub = _load("localhub")
loadtest = _load("loadtest")


# --- the last line and the figures behind it -----------------------------------------
def test_summary_line_has_the_fixed_format():
    line = loadtest.summary_line(30, 29, 1.234, 245.6)
    assert line == "hub: learners=30 completed=29 p95_cell_s=1.23 peak_learner_rss_mb=246"
    assert loadtest.SUMMARY_RE.match(line)
    # no learner ran a cell: the figures say so instead of inventing a number
    empty = loadtest.summary_line(4, 0, float("nan"), float("nan"))
    assert empty == "hub: learners=4 completed=0 p95_cell_s=nan peak_learner_rss_mb=nan"
    assert loadtest.SUMMARY_RE.match(empty)


def test_percentile_interpolates_like_numpy_and_ignores_missing_values():
    np = pytest.importorskip("numpy")
    values = [0.05, 0.2, 3.1, 0.07, 1.5, 0.9, 0.4]
    for q in (0, 50, 90, 95, 100):
        assert loadtest.percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert loadtest.percentile([1.0, float("nan"), 3.0], 50) == 2.0
    assert str(loadtest.percentile([], 95)) == "nan"


def test_capacity_is_the_smaller_of_memory_and_cpu():
    # a learner who used 12 CPU-seconds in 300 s of lessons demands 0.04 of a core
    cap = loadtest.implied_capacity(
        learner_cpu_s=12.0,
        learner_wall_s=300.0,
        peak_rss_mb=300,
        node_cores=4,
        node_mem_gb=16,
        reserved_mb=1536,
    )
    cpu = int(4 * loadtest.CPU_UTILISATION / 0.04)
    memory = (16 * 1024 - 1536) // 300
    assert cap == {"memory": memory, "cpu": cpu, "learners": min(memory, cpu)} and memory < cpu
    # the same learners on a bigger node, memory still the limit
    big = loadtest.implied_capacity(
        learner_cpu_s=12.0,
        learner_wall_s=300.0,
        peak_rss_mb=300,
        node_cores=16,
        node_mem_gb=64,
        reserved_mb=1536,
    )
    assert big["memory"] == (64 * 1024 - 1536) // 300 == big["learners"]
    assert big["cpu"] == int(16 * loadtest.CPU_UTILISATION / 0.04) > big["memory"]
    # twice the CPU per learner halves the CPU bound
    busy = loadtest.implied_capacity(
        learner_cpu_s=24.0, learner_wall_s=300.0, peak_rss_mb=300, node_cores=4, node_mem_gb=16
    )
    assert busy["cpu"] == cpu // 2
    # nothing measured: no capacity claimed
    none = loadtest.implied_capacity(
        learner_cpu_s=float("nan"), learner_wall_s=float("nan"), peak_rss_mb=0,
        node_cores=4, node_mem_gb=16,
    )  # fmt: skip
    assert none["learners"] == 0


def test_code_cells_run_from_the_notebook_json_blank_or_executed():
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "# Title", "metadata": {}},
            {
                "cell_type": "code",
                "source": ["import labkit\n", "x = 1"],
                "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "old"}],
            },
            {"cell_type": "code", "source": "   \n", "metadata": {}, "outputs": []},
            {
                "cell_type": "code",
                "source": "raise ValueError",
                "outputs": [],
                "metadata": {"tags": ["raises-exception"]},
            },
            {
                "cell_type": "code",
                "source": "# NBVAL_RAISES_EXCEPTION\n1/0",
                "metadata": {},
                "outputs": [],
            },
        ]
    }
    assert loadtest.code_cells(notebook) == [
        ("import labkit\nx = 1", False),
        ("raise ValueError", True),
        ("# NBVAL_RAISES_EXCEPTION\n1/0", True),
    ]
    # the learner edition's lessons all have code to run
    for lesson in loadtest.LESSONS:
        nb = json.loads((REPO / "notebooks" / f"{lesson}.ipynb").read_text())
        assert loadtest.code_cells(nb), lesson


def test_nbgitpuller_link_opens_the_lesson_inside_the_clone():
    link = localhub.nbgitpuller_link(
        "http://127.0.0.1:8000", "file:///srv/labkit", notebook="00_start_here.ipynb"
    )
    url = urlparse(link)
    assert url.path == "/hub/user-redirect/git-pull"
    assert "%3Fautodecode" in url.query  # encoded, so it belongs to urlpath
    query = parse_qs(url.query)
    assert query == {
        "repo": ["file:///srv/labkit"],
        "branch": ["main"],
        "urlpath": ["lab/tree/labkit/notebooks/00_start_here.ipynb?autodecode"],
    }


def test_workshop_remote_is_a_bare_clone_of_head_on_main(tmp_path):
    remote = localhub.make_workshop_remote(tmp_path)
    assert remote.name == localhub.CLONE_NAME  # nbgitpuller names the clone after it
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    main = subprocess.run(
        ["git", "-C", str(remote), "rev-parse", "main"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert main == head
    clone = tmp_path / "learner"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", remote.as_uri(), str(clone)], check=True
    )
    assert (clone / "notebooks" / "00_start_here.ipynb").is_file()


# --- clean-up --------------------------------------------------------------------------
def _sleeper(cwd: Path) -> subprocess.Popen:
    """A stand-in for a learner's server: its own session, working inside the state dir."""
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"], cwd=cwd, start_new_session=True
    )


def test_stop_ends_processes_left_in_the_state_folder(tmp_path):
    hub = localhub.LocalHub(tmp_path / "state")
    server = _sleeper(hub.state_dir / "home" / "learner001")
    assert [p.pid for p in localhub.processes_under(hub.state_dir)] == [server.pid]
    hub.stop()
    assert server.wait(timeout=20) is not None
    assert localhub.processes_under(hub.state_dir) == []
    assert hub.stop() == []  # idempotent (it also runs at exit)


def test_a_failed_start_stops_the_hub_and_what_it_spawned(tmp_path, monkeypatch):
    pytest.importorskip("jupyterhub")
    monkeypatch.setattr(localhub.tempfile, "mkdtemp", lambda prefix: str(tmp_path / "state"))
    spawned: list[subprocess.Popen] = []

    def failing_wait(self, timeout_s):
        spawned.append(_sleeper(self.state_dir / "home" / "learner001"))
        raise TimeoutError("hub did not answer (simulated)")

    monkeypatch.setattr(localhub.LocalHub, "_wait_ready", failing_wait)
    hub = localhub.LocalHub()
    with pytest.raises(TimeoutError), hub:
        pass
    assert hub.process is not None and hub.process.poll() is not None
    assert spawned[0].wait(timeout=20) is not None
    assert not (tmp_path / "state").exists()


# --- the real hub ----------------------------------------------------------------------
def _need_proxy() -> None:
    if shutil.which("configurable-http-proxy"):
        return
    reason = "configurable-http-proxy is not installed (npm install -g configurable-http-proxy)"
    if os.environ.get("LABKIT_REQUIRE_HUB") == "1":
        pytest.fail(f"LABKIT_REQUIRE_HUB=1 but {reason}")
    pytest.skip(reason)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


@pytest.mark.slow
def test_two_learners_complete_lessons_00_to_02_on_a_real_hub(tmp_path):
    _need_proxy()
    run = subprocess.run(
        [sys.executable, str(LOADTEST), "--learners", "2", "--stagger", "2", "--think", "0.5"],
        cwd=REPO,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    out = run.stdout.strip().splitlines()
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr[-4000:]}"
    match = loadtest.SUMMARY_RE.match(out[-1])
    assert match, out[-1]
    learners, completed, p95, peak = match.groups()
    assert (learners, completed) == ("2", "2")
    assert float(p95) > 0 and float(peak) > 50  # a server and a kernel were measured
    for lesson in loadtest.LESSONS:
        assert any(re.match(rf"\s+{lesson}\s+completed 2/2 ", line) for line in out), lesson
    assert sum("capacity" in line for line in out) == 2
    assert "room:" in run.stderr  # the progress bar
    assert localhub.processes_under(tmp_path) == []
    assert not list(tmp_path.glob("labkit-hub-*"))


@pytest.mark.slow
def test_ctrl_c_stops_the_hub_servers_and_kernels(tmp_path):
    _need_proxy()
    proc = subprocess.Popen(
        [sys.executable, str(LOADTEST), "--learners", "2", "--stagger", "1", "--think", "0.5"],
        cwd=REPO,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # wait until a learner's server (a process working in a home folder) is up
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if any("/home/" in p.cwd() for p in localhub.processes_under(tmp_path)):
                break
            time.sleep(0.5)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-3000:]
    assert "interrupted" in err
    leftovers = localhub.processes_under(tmp_path)
    assert leftovers == [], [(p.pid, p.cmdline()) for p in leftovers]
    assert not any(p.pid for p in psutil.process_iter() if p.pid == proc.pid)


def test_readme_names_the_load_test_that_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- hub-load-command -->\s*```bash\n(.*?)\n```", readme, flags=re.S)
    assert match, "README has no ```bash block after <!-- hub-load-command -->"
    command = match.group(1)
    assert re.fullmatch(r"\.venv/bin/python deploy/jupyterhub/loadtest\.py --learners \d+", command)
    assert (REPO / command.split()[1]).is_file()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python deploy/jupyterhub/loadtest.py --learners 4" in ci
    assert "configurable-http-proxy@" in ci and "LABKIT_REQUIRE_HUB=1" in ci


# --- what each learner's server runs with ---------------------------------------------
def _hub_config(tmp_path, monkeypatch):
    """The ``c`` that jupyterhub_config.py fills in, read as JupyterHub reads it."""
    from traitlets.config import Config

    monkeypatch.setenv("LABKIT_HUB_DIR", str(tmp_path))
    config = HUB_DIR / "jupyterhub_config.py"
    c = Config()
    exec(compile(config.read_text(encoding="utf-8"), str(config), "exec"), {"c": c})
    return c


def _disabled_extensions(args: list[str]) -> set[str]:
    prefix = "--ServerApp.jpserver_extensions="
    pairs = [a[len(prefix) :].split("=", 1) for a in args if a.startswith(prefix)]
    return {name for name, enabled in pairs if enabled == "False"}


def test_a_real_workshop_gets_the_local_hubs_server_settings(tmp_path, monkeypatch):
    """Memory settings of the learners' servers: the local hub, Zero to JupyterHub and the
    image's entrypoint (binder/start, which Binder and the z2jh image both run) agree."""
    yaml = pytest.importorskip("yaml")
    c = _hub_config(tmp_path, monkeypatch)
    env = c.Spawner.environment
    values = yaml.safe_load((HUB_DIR / "z2jh-values.yaml").read_text(encoding="utf-8"))
    singleuser = values["singleuser"]
    started = subprocess.run(
        ["bash", str(REPO / "binder" / "start"), "env"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    for name in ("MALLOC_TRIM_THRESHOLD_", "NBFORMAT_VALIDATOR"):
        assert str(singleuser["extraEnv"][name]) == env[name], name
        assert f"{name}={env[name]}" in started, name
    assert env["NBFORMAT_VALIDATOR"] == "jsonschema"
    assert int(env["MALLOC_TRIM_THRESHOLD_"]) == 128 * 1024

    off_here = _disabled_extensions(c.Spawner.args)
    files = singleuser["extraFiles"].values()
    server = next(f["data"]["ServerApp"] for f in files if "ServerApp" in f.get("data", {}))
    off_there = {name for name, on in server["jpserver_extensions"].items() if on is False}
    assert off_here == off_there == {"jupyter_lsp", "jupyterlab_jupytext"}
    # what the workshop needs stays on: the link, the notebooks' UI, a terminal
    assert not off_here & {"nbgitpuller", "jupyterlab", "jupyter_server_terminals"}


def test_learners_server_builds_no_rfc3987_grammar():
    """jsonschema 4.25+ imports rfc3987-syntax (a lark grammar built at import) when
    jupyter_server starts; binder/requirements.txt pins the last release without it.
    Fails in an environment installed before that pin: reinstall requirements.txt."""
    pins = dict(
        line.split("==", 1)
        for line in (REPO / "binder" / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert "rfc3987-syntax" not in pins and "lark" not in pins
    major, minor = (int(part) for part in pins["jsonschema"].split(".")[:2])
    assert (major, minor) < (4, 25), pins["jsonschema"]
    code = (
        "import sys, jupyter_server.serverapp, jupyter_events.logger; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rfc3987_syntax', 'lark'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


class _FakeSocket:
    """A kernel websocket that answers each request, or drops after ``drop_after`` reads."""

    def __init__(self, drop_after: int | None = None) -> None:
        self.sent: list[dict] = []
        self.reads = 0
        self.drop_after = drop_after
        self.close_code, self.close_reason = 1006, "proxy dropped it"

    async def write_message(self, raw: str) -> None:
        self.sent.append(json.loads(raw))

    async def read_message(self):
        self.reads += 1
        if self.drop_after is not None and self.reads > self.drop_after:
            return None
        return None if not _PENDING else json.dumps(_PENDING.pop(0))

    def close(self) -> None:
        pass


_PENDING: list[dict] = []


def _answer(msg_id: str, status: str = "ok") -> None:
    parent = {"msg_id": msg_id}
    _PENDING.extend(
        [
            {
                "parent_header": {"msg_id": "someone-else"},
                "msg_type": "status",
                "content": {"execution_state": "idle"},
            },
            {"parent_header": parent, "msg_type": "status", "content": {"execution_state": "busy"}},
            {"parent_header": parent, "msg_type": "execute_reply", "content": {"status": status}},
            {"parent_header": parent, "msg_type": "status", "content": {"execution_state": "idle"}},
        ]
    )


def test_kernel_waits_for_reply_and_idle_and_reopens_a_dropped_websocket(monkeypatch):
    import asyncio

    sockets = [_FakeSocket(drop_after=0), _FakeSocket()]

    async def connect(self):
        self.ws = sockets.pop(0)
        return self

    monkeypatch.setattr(loadtest.Kernel, "connect", connect)

    async def scenario():
        kernel = await loadtest.Kernel("ws://x/api/kernels/k/channels", {}, "s1", "u").connect()
        first = kernel.ws
        original_write = first.write_message

        async def write_and_queue(raw):
            await original_write(raw)
            _answer(json.loads(raw)["header"]["msg_id"])

        first.write_message = write_and_queue
        reply = await kernel.execute("1 + 1", timeout_s=5)
        return kernel, first, reply

    _PENDING.clear()
    kernel, first, reply = asyncio.run(scenario())
    assert reply["status"] == "ok"
    assert kernel.reconnects == 1  # the first socket dropped; the reply came on the second
    sent = first.sent[0]
    assert sent["header"]["msg_type"] == "execute_request" and sent["channel"] == "shell"
    assert sent["content"]["code"] == "1 + 1"


def test_kernel_gives_up_after_repeated_drops(monkeypatch):
    import asyncio

    async def connect(self):
        self.ws = _FakeSocket(drop_after=0)
        return self

    monkeypatch.setattr(loadtest.Kernel, "connect", connect)

    async def scenario():
        kernel = await loadtest.Kernel("ws://x", {}, "s1", "u").connect()
        await kernel.execute("1", timeout_s=5)

    _PENDING.clear()
    with pytest.raises(loadtest.LearnerFailed, match="closed .*too often"):
        asyncio.run(scenario())
