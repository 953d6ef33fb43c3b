"""Load test: a room of N learners works through lessons 00, 01 and 02 on a local JupyterHub.

    python deploy/jupyterhub/loadtest.py --learners 30

What each simulated learner does, as in a workshop (learner ``i`` arrives ``i * stagger``
seconds after the first):

1. clicks the workshop's nbgitpuller link while signed out, signs in on the hub's login
   form (dummy authenticator), and waits while the hub starts their server;
2. lets nbgitpuller clone the lessons (the page's event stream, ``/git-pull/api``) from a
   bare clone of this checkout's HEAD, then opens JupyterLab on lesson 00;
3. for each lesson: reads the notebook as it is in the pulled clone through the contents
   API, starts a kernel (``/api/sessions``), runs every code cell in order through the
   kernel websocket (``/api/kernels/<id>/channels``), then shuts the kernel down. Lesson
   02's policy lab is driven by its own cells (``lab.set(...).run()``, ``button.click()``).

Everything goes through the hub's proxy (configurable-http-proxy), as a browser's
requests do. Each learner's resident memory (their server plus its kernels) and CPU
time are sampled from ``/proc`` every second.

Output: per-lesson timings, spawn and pull times, the capacity they imply for two node
sizes, and last, exactly::

    hub: learners=N completed=K p95_cell_s=X peak_learner_rss_mb=Y

A cell's latency runs from sending its ``execute_request`` to the kernel's reply and
its return to idle (what a learner waits for after Shift-Enter); kernel start-up is
reported apart. The exit status is 0 only if every learner completed every lesson.

The hub, the proxy, every server and kernel are stopped at the end, after a failure, on
Ctrl-C and on SIGTERM (see ``localhub.LocalHub.stop``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import psutil
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kernelclient import Kernel, LearnerFailed, code_cells  # noqa: E402
from localhub import BRANCH, CLONE_NAME, LocalHub, make_workshop_remote, nbgitpuller_link  # noqa: E402

LESSONS = ("00_start_here", "01_the_article", "02_policy_lab")
TARGET_P95_CELL_S = 2.0
TARGET_LEARNER_RSS_MB = 250.0
#: Node sizes the capacity estimate is printed for: (cores, memory GiB).
NODES = ((4, 16), (16, 64))
#: Memory a node keeps for the OS, kubelet and the hub's own pods, MiB [INFER: a
#: typical reservation; check `kubectl describe node` for the real allocatable memory].
NODE_RESERVED_MB = 1536
#: Share of a node's cores the capacity estimate lets learners keep busy on average.
CPU_UTILISATION = 0.7


# --- results -------------------------------------------------------------------------
@dataclass
class LessonRun:
    lesson: str
    learner: str
    kernel_start_s: float = math.nan
    cell_s: list[float] = field(default_factory=list)
    wall_s: float = math.nan
    ok: bool = False
    error: str = ""
    reconnects: int = 0
    peak_kernel_mb: float = 0.0


@dataclass
class Learner:
    name: str
    spawn_s: float = math.nan
    pull_s: float = math.nan
    lessons: list[LessonRun] = field(default_factory=list)
    server_pid: int | None = None
    peak_rss_mb: float = 0.0
    peak_server_mb: float = 0.0
    peak_kernel_mb: float = 0.0
    peak_pss_mb: float = 0.0
    cpu_s: dict[int, float] = field(default_factory=dict)
    #: seconds from clicking the link to the end of the last lesson
    room_s: float = math.nan
    completed: bool = False
    error: str = ""


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation, as numpy's default."""
    data = sorted(v for v in values if not math.isnan(v))
    if not data:
        return math.nan
    k = (len(data) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summary_line(learners: int, completed: int, p95_cell_s: float, peak_rss_mb: float) -> str:
    """The load test's last line, in its fixed format."""
    return (
        f"hub: learners={learners} completed={completed} "
        f"p95_cell_s={p95_cell_s:.2f} peak_learner_rss_mb={peak_rss_mb:.0f}"
    )


SUMMARY_RE = re.compile(
    r"^hub: learners=(\d+) completed=(\d+) p95_cell_s=(\d+\.\d\d|nan) peak_learner_rss_mb=(\d+|nan)$"
)


def implied_capacity(
    *,
    learner_cpu_s: float,
    learner_wall_s: float,
    peak_rss_mb: float,
    node_cores: int,
    node_mem_gb: int,
    reserved_mb: int = NODE_RESERVED_MB,
) -> dict[str, int]:
    """Learners one node can hold, by memory and by CPU, from one measured run.

    * memory: (node memory - ``reserved_mb``) / the peak RSS of one learner, the
      guarantee each learner's pod should get (RSS, not PSS: a pod's memory cgroup may
      be the one charged for the shared library pages it touches first);
    * CPU: a learner's average demand is its CPU seconds over its time in the room;
      the node's cores, kept at most ``CPU_UTILISATION`` busy so cells do not queue
      [INFER: a common rule of thumb for interactive load], divided by that demand. It
      holds for the pace of this run (``--think`` seconds between cells); a real room,
      which reads longer between cells, fits more.
    """
    mem = int((node_mem_gb * 1024 - reserved_mb) // peak_rss_mb) if peak_rss_mb > 0 else 0
    demand = learner_cpu_s / learner_wall_s if learner_wall_s > 0 else math.inf
    cpu = int(node_cores * CPU_UTILISATION / demand) if demand > 0 else 0
    return {"memory": mem, "cpu": cpu, "learners": min(mem, cpu)}


# --- one learner ---------------------------------------------------------------------
def _xsrf_from(html: str) -> str:
    match = re.search(r'name="_xsrf"\s+value="([^"]+)"', html)
    if not match:
        raise LearnerFailed("the hub's login page has no _xsrf field")
    return match.group(1)


@dataclass
class Room:
    hub: LocalHub
    repo_url: str
    lessons: tuple[str, ...]
    cell_timeout_s: float
    think_s: float
    bar: Any

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"token {self.hub.token}"}


async def _wait_server_ready(
    client: httpx.AsyncClient, room: Room, name: str, timeout_s: float
) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        r = await client.get(f"{room.hub.api_url}/users/{name}", headers=room.admin())
        if r.status_code == 200:
            server = r.json().get("servers", {}).get("")
            if server and server.get("ready"):
                return server
        await asyncio.sleep(0.5)
    raise LearnerFailed(f"server not ready within {timeout_s:.0f} s")


async def _open_link(client: httpx.AsyncClient, room: Room, learner: Learner) -> None:
    """Click the nbgitpuller link signed out, sign in, wait for the server: as a browser."""
    link = nbgitpuller_link(room.hub.url, room.repo_url, notebook=f"{room.lessons[0]}.ipynb")
    t0 = time.monotonic()
    page = await client.get(link)
    if "/hub/login" not in str(page.url):
        raise LearnerFailed(f"the link did not ask to sign in (landed on {page.url})")
    login_next = parse_qs(urlparse(str(page.url)).query).get("next", [""])[0]
    page = await client.post(
        f"{room.hub.url}/hub/login",
        params={"next": login_next},
        data={"username": learner.name, "password": "", "_xsrf": _xsrf_from(page.text)},
    )
    if page.status_code >= 400:
        raise LearnerFailed(f"sign-in answered {page.status_code}")
    server = await _wait_server_ready(client, room, learner.name, timeout_s=300)
    learner.spawn_s = time.monotonic() - t0
    learner.server_pid = (server.get("state") or {}).get("pid")
    # The hub's spawn-pending page redirects the browser back to the link once ready.
    page = await client.get(link)
    if page.status_code != 200 or "/git-pull" not in str(page.url):
        raise LearnerFailed(f"the link's git-pull page answered {page.status_code} at {page.url}")


async def _pull(client: httpx.AsyncClient, room: Room, learner: Learner, base: str) -> None:
    """nbgitpuller's page runs this event stream; it clones or updates the lessons."""
    t0 = time.monotonic()
    params = {"repo": room.repo_url, "branch": BRANCH, "targetpath": CLONE_NAME}
    phase, message = None, ""
    async with client.stream("GET", f"{base}/git-pull/api", params=params, timeout=300) as r:
        if r.status_code != 200:
            raise LearnerFailed(f"git-pull/api answered {r.status_code}")
        async for line in r.aiter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                phase, message = event.get("phase"), event.get("message", "")
                if phase in ("finished", "error"):
                    break
    if phase != "finished":
        raise LearnerFailed(f"nbgitpuller ended with phase {phase}: {message}")
    learner.pull_s = time.monotonic() - t0


async def _run_lesson(
    client: httpx.AsyncClient,
    room: Room,
    learner: Learner,
    base: str,
    headers: dict[str, str],
    lesson: str,
) -> LessonRun:
    run = LessonRun(lesson=lesson, learner=learner.name)
    learner.lessons.append(run)
    path = f"{CLONE_NAME}/notebooks/{lesson}.ipynb"
    r = await client.get(f"{base}/api/contents/{path}", headers=headers, params={"content": 1})
    if r.status_code != 200:
        raise LearnerFailed(f"{path}: contents API answered {r.status_code}")
    cells = code_cells(r.json()["content"])
    t0 = time.monotonic()
    body = {
        "path": path,
        "name": f"{lesson}.ipynb",
        "type": "notebook",
        "kernel": {"name": "python3"},
    }
    r = await client.post(f"{base}/api/sessions", headers=headers, json=body, timeout=300)
    if r.status_code not in (200, 201):
        raise LearnerFailed(f"{lesson}: starting a kernel answered {r.status_code}: {r.text[:200]}")
    session = r.json()
    kernel_id = session["kernel"]["id"]
    ws_url = base.replace("http://", "ws://", 1) + f"/api/kernels/{kernel_id}/channels"
    kernel = Kernel(ws_url, headers, session["id"], learner.name)
    try:
        await kernel.connect()
        await kernel.ready(timeout_s=300)
        run.kernel_start_s = time.monotonic() - t0
        for number, (source, expected_error) in enumerate(cells):
            if number:
                await asyncio.sleep(room.think_s)  # the learner reads the text between cells
            c0 = time.monotonic()
            reply = await kernel.execute(source, room.cell_timeout_s)
            run.cell_s.append(time.monotonic() - c0)
            room.bar.update(1)
            if reply.get("status") != "ok" and not expected_error:
                raise LearnerFailed(
                    f"{lesson} cell {number}: {reply.get('ename')}: {reply.get('evalue')}"
                )
        run.ok = True
    finally:
        kernel.close()
        run.reconnects = kernel.reconnects
        run.wall_s = time.monotonic() - t0
        # The learner closes the notebook with "Close and Shut Down Notebook".
        with contextlib.suppress(httpx.HTTPError):
            await client.delete(f"{base}/api/sessions/{session['id']}", headers=headers)
    return run


async def run_learner(room: Room, learner: Learner, delay_s: float) -> None:
    await asyncio.sleep(delay_s)
    arrived = time.monotonic()
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(follow_redirects=True, timeout=120, limits=limits) as client:
        try:
            await _open_link(client, room, learner)
            base = f"{room.hub.url}/user/{learner.name}"
            await _pull(client, room, learner, base)
            # JupyterLab's page for the link's notebook, as the browser then loads it.
            page = await client.get(
                f"{base}/lab/tree/{CLONE_NAME}/notebooks/{room.lessons[0]}.ipynb"
            )
            if page.status_code != 200:
                raise LearnerFailed(f"JupyterLab answered {page.status_code}")
            r = await client.post(
                f"{room.hub.api_url}/users/{learner.name}/tokens",
                headers=room.admin(),
                json={"note": "load test: this learner's browser"},
            )
            if r.status_code != 201:
                raise LearnerFailed(f"issuing a token answered {r.status_code}")
            headers = {"Authorization": f"token {r.json()['token']}"}
            for lesson in room.lessons:
                await _run_lesson(client, room, learner, base, headers, lesson)
            learner.completed = True
        except Exception as exc:  # one learner's failure is reported, never ends the room
            learner.error = f"{type(exc).__name__}: {exc}"
            if learner.lessons and not learner.lessons[-1].ok:
                run = learner.lessons[-1]
                learner.error += f" (in {run.lesson}, after {len(run.cell_s)} cells)"
            room.bar.write(f"learner {learner.name} failed: {learner.error}", file=sys.stderr)
        finally:
            learner.room_s = time.monotonic() - arrived


# --- memory and CPU ------------------------------------------------------------------
def _tree(root: int, children: dict[int, list[int]]) -> list[int]:
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(children.get(pid, []))
    return pids


def sample_learners(learners: list[Learner], *, with_pss: bool = True) -> float:
    """Update each learner's peak RSS (and PSS) and CPU time; return the room's PSS in MiB.

    RSS counts shared pages (Python, libraries) in full for every process; PSS divides
    them among the processes sharing them, so the room's PSS sum is what the learners
    really occupy together. RSS comes from ``/proc/<pid>/statm``, which costs next to
    nothing; PSS needs ``smaps_rollup``, which walks each process's page tables (about a
    millisecond per 100 MB), so the sampler asks for it less often: the load generator
    shares the cores with the learners it measures.
    """
    children: dict[int, list[int]] = {}
    for p in psutil.process_iter(["ppid"]):
        children.setdefault(p.info["ppid"], []).append(p.pid)
    room_mb = 0.0
    for learner in learners:
        if not learner.server_pid:
            continue
        rss = pss = 0
        for pid in _tree(learner.server_pid, children):
            try:
                proc = psutil.Process(pid)
                with proc.oneshot():
                    info = proc.memory_full_info() if with_pss else proc.memory_info()
                    t = proc.cpu_times()
            except psutil.Error:
                continue
            one = info.rss
            rss += one
            pss += getattr(info, "pss", one)
            learner.cpu_s[pid] = max(learner.cpu_s.get(pid, 0.0), t.user + t.system)
            if pid == learner.server_pid:
                learner.peak_server_mb = max(learner.peak_server_mb, one / 2**20)
            else:
                learner.peak_kernel_mb = max(learner.peak_kernel_mb, one / 2**20)
                running = learner.lessons[-1] if learner.lessons else None
                if running is not None and math.isnan(running.wall_s):
                    running.peak_kernel_mb = max(running.peak_kernel_mb, one / 2**20)
        learner.peak_rss_mb = max(learner.peak_rss_mb, rss / 2**20)
        if with_pss:
            learner.peak_pss_mb = max(learner.peak_pss_mb, pss / 2**20)
            room_mb += pss / 2**20
    return room_mb


def infrastructure_cpu_s(hub_pid: int | None, learners: list[Learner]) -> dict[str, float]:
    """CPU seconds used so far by the hub with its proxy, and by this load generator.

    Neither is a learner's cost: in a workshop the hub and proxy run once for the room
    and the "learners" are browsers on other machines. Here both share the two cores
    with the learners, so the report names them.
    """
    own = psutil.Process()
    generator = sum(own.cpu_times()[:2])
    hub = 0.0
    servers = {lr.server_pid for lr in learners if lr.server_pid}
    if hub_pid:
        children: dict[int, list[int]] = {}
        for p in psutil.process_iter(["ppid"]):
            children.setdefault(p.info["ppid"], []).append(p.pid)
        stack = [hub_pid]
        while stack:  # the hub and the proxy it started, not the learners' servers
            pid = stack.pop()
            if pid in servers:
                continue
            with contextlib.suppress(psutil.Error):
                hub += sum(psutil.Process(pid).cpu_times()[:2])
            stack.extend(children.get(pid, []))
    return {"hub": hub, "generator": generator}


#: The sampler reads RSS every second and PSS every ``PSS_EVERY`` samples.
PSS_EVERY = 5


async def sampler(learners: list[Learner], peaks: dict[str, float], stop: asyncio.Event) -> None:
    tick = 0
    while not stop.is_set():
        with_pss = tick % PSS_EVERY == 0
        room_mb = await asyncio.to_thread(sample_learners, learners, with_pss=with_pss)
        if with_pss:
            peaks["room_mb"] = max(peaks.get("room_mb", 0.0), room_mb)
        tick += 1
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


# --- the room ------------------------------------------------------------------------
def count_cells(repo: Path, lessons: tuple[str, ...]) -> int:
    total = 0
    for lesson in lessons:
        raw = subprocess.run(
            ["git", "-C", str(repo), "show", f"{BRANCH}:notebooks/{lesson}.ipynb"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        total += len(code_cells(json.loads(raw)))
    return total


async def run_room(
    hub: LocalHub, repo: Path, args: argparse.Namespace
) -> tuple[list[Learner], dict]:
    learners = [Learner(name=f"learner{i + 1:03d}") for i in range(args.learners)]
    cells = count_cells(repo, args.lessons)
    peaks: dict[str, float] = {}
    with tqdm(
        total=cells * len(learners),
        unit="cell",
        desc="room",
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=1.0,
    ) as bar:
        room = Room(hub, repo.as_uri(), args.lessons, args.cell_timeout, args.think, bar)
        stop = asyncio.Event()
        watcher = asyncio.create_task(sampler(learners, peaks, stop))
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(
                asyncio.gather(
                    *(run_learner(room, lr, i * args.stagger) for i, lr in enumerate(learners))
                ),
                timeout=args.timeout,
            )
        except TimeoutError:
            bar.write(f"the room did not finish within {args.timeout:.0f} s", file=sys.stderr)
        finally:
            peaks["wall_s"] = time.monotonic() - t0
            peaks.update(infrastructure_cpu_s(hub.process.pid if hub.process else None, learners))
            stop.set()
            await watcher
    return learners, peaks


def report(
    learners: list[Learner], peaks: dict, args: argparse.Namespace
) -> tuple[list[str], bool]:
    lines = [
        f"load test: {len(learners)} learners, one every {args.stagger:g} s, "
        f"{args.think:g} s of reading between cells, lessons {', '.join(args.lessons)}, on "
        f"{os.cpu_count()} cores / {psutil.virtual_memory().total / 2**30:.0f} GiB; load "
        f"average before {args.load_before[0]:.2f}, at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    ]
    all_cells: list[float] = []
    for lesson in args.lessons:
        runs = [r for lr in learners for r in lr.lessons if r.lesson == lesson]
        cells = [c for r in runs for c in r.cell_s]
        all_cells += cells
        ok = sum(r.ok for r in runs)
        lines.append(
            f"  {lesson:<16} completed {ok}/{len(learners)}  "
            f"kernel start p50 {percentile([r.kernel_start_s for r in runs], 50):.2f} s "
            f"p95 {percentile([r.kernel_start_s for r in runs], 95):.2f} s | "
            f"cell p50 {percentile(cells, 50):.2f} s p95 {percentile(cells, 95):.2f} s "
            f"max {max(cells, default=math.nan):.2f} s | "
            f"lesson p50 {percentile([r.wall_s for r in runs], 50):.1f} s | "
            f"kernel peak {max((r.peak_kernel_mb for r in runs), default=0):.0f} MB"
        )
    spawn = [lr.spawn_s for lr in learners]
    pull = [lr.pull_s for lr in learners]
    lines.append(
        f"  link to server ready p50 {percentile(spawn, 50):.1f} s "
        f"p95 {percentile(spawn, 95):.1f} s | nbgitpuller clone p50 "
        f"{percentile(pull, 50):.1f} s p95 {percentile(pull, 95):.1f} s"
    )
    completed = sum(lr.completed for lr in learners)
    p95 = percentile(all_cells, 95)
    peak = max((lr.peak_rss_mb for lr in learners), default=0.0)
    cpu = [sum(lr.cpu_s.values()) for lr in learners if lr.cpu_s]
    lines.append(
        f"  per learner: peak RSS p50 {percentile([lr.peak_rss_mb for lr in learners], 50):.0f} MB "
        f"max {peak:.0f} MB (server + its running kernel; server alone max "
        f"{max((lr.peak_server_mb for lr in learners), default=0):.0f} MB, one kernel max "
        f"{max((lr.peak_kernel_mb for lr in learners), default=0):.0f} MB) | CPU p50 "
        f"{percentile(cpu, 50):.1f} s"
    )
    lines.append(
        f"  per learner: peak PSS (shared pages divided among processes) max "
        f"{max((lr.peak_pss_mb for lr in learners), default=0):.0f} MB | room peak PSS "
        f"{peaks.get('room_mb', 0):.0f} MB, {peaks.get('room_mb', 0) / max(len(learners), 1):.0f} MB a learner | "
        f"wall {peaks.get('wall_s', 0):.0f} s"
    )
    lines.append(
        f"  not learners' cost, on the same cores: hub and proxy CPU {peaks.get('hub', 0):.0f} s, "
        f"this load generator {peaks.get('generator', 0):.0f} s"
    )
    reconnects = sum(r.reconnects for lr in learners for r in lr.lessons)
    if reconnects:
        lines.append(f"  kernel websockets reopened after a drop: {reconnects}")
    for lr in learners:
        if lr.error:
            lines.append(f"  FAILED {lr.name}: {lr.error}")
    met = completed == len(learners) and p95 <= TARGET_P95_CELL_S and peak <= TARGET_LEARNER_RSS_MB
    lines.append(
        f"  targets (all complete, p95 cell <= {TARGET_P95_CELL_S:g} s, "
        f"<= {TARGET_LEARNER_RSS_MB:g} MB per learner): {'met' if met else 'NOT met'}"
    )
    for node_cores, node_gb in NODES:
        cap = implied_capacity(
            learner_cpu_s=percentile(cpu, 50),
            learner_wall_s=percentile([lr.room_s for lr in learners if lr.completed], 50),
            peak_rss_mb=peak,
            node_cores=node_cores,
            node_mem_gb=node_gb,
        )
        lines.append(
            f"  capacity {node_cores}-core/{node_gb} GB node: about {cap['learners']} "
            f"learners (memory allows {cap['memory']}, CPU {cap['cpu']}; at this run's pace)"
        )
    lines.append(summary_line(len(learners), completed, p95, peak))
    return lines, completed == len(learners)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=4, help="learners in the room (default 4)")
    parser.add_argument(
        "--stagger",
        type=float,
        default=3.0,
        help="seconds between two learners' arrivals (default 3)",
    )
    parser.add_argument(
        "--lessons",
        type=lambda s: tuple(s.split(",")),
        default=LESSONS,
        help="comma-separated notebook names (default: lessons 00, 01, 02)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="seconds a learner reads between two cells (default 5; 0 runs cells back to back)",
    )
    parser.add_argument("--cell-timeout", type=float, default=300, help="seconds per cell")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for the whole room")
    args = parser.parse_args(argv)
    if args.learners < 1:
        parser.error("--learners must be at least 1")

    # SIGTERM (and SIGHUP) unwind like Ctrl-C, so the finally below stops everything.
    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    args.load_before = os.getloadavg()
    hub = LocalHub()
    try:
        repo = make_workshop_remote(hub.state_dir)
        print(f"starting JupyterHub on {hub.url} …", file=sys.stderr)
        hub.start()
        learners, peaks = asyncio.run(run_room(hub, repo, args))
        lines, ok = report(learners, peaks, args)
        if not ok:  # the hub's log holds every server's log too: show it before it goes
            print(f"hub log (last lines):\n{hub.log_tail(60)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted: stopping the hub, its servers and kernels", file=sys.stderr)
        return 130
    except Exception:
        print(f"hub log (last lines):\n{hub.log_tail()}", file=sys.stderr)
        raise
    finally:
        killed = hub.stop()
        if killed:
            print(f"had to kill {len(killed)} leftover processes: {killed}", file=sys.stderr)
    print("\n".join(lines), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
