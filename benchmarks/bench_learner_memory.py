"""What one learner's kernel costs in memory: a fresh kernel, ``import labkit``, lesson 01.

A real ipykernel (jupyter_client's ``KernelManager``, the kernel a hub's single-user
server starts) runs the code cells of ``notebooks/01_the_article.ipynb`` in order; the
kernel process's resident set size is read from ``/proc`` (psutil) after start-up,
after ``import labkit``, after the lesson's first cell (its imports) and at the end.
Unique set size (USS: what the kernel alone holds; shared libraries count once per
machine) is printed beside RSS. Goal (issue 16): RSS after lesson 01 <= 150 MB.

A second part measures the *floor*: a fresh kernel imports, one after another, only the
libraries a lesson-01 kernel needs (no labkit, no data), and the resident memory each
adds is printed. Their sum is what any kernel running these lessons holds before it has
done anything.

    .venv/bin/python benchmarks/bench_learner_memory.py
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import psutil
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "01_the_article.ipynb"
REPEATS = 3


def _cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            source = cell["source"]
            cells.append("".join(source) if isinstance(source, list) else source)
    return cells


def _mb(proc: psutil.Process) -> tuple[float, float]:
    info = proc.memory_full_info()
    return info.rss / 2**20, info.uss / 2**20


def measure_once() -> dict[str, tuple[float, float]]:
    km, kc = start_new_kernel(
        kernel_name="python3", cwd=str(LESSON.parent), env=_kernel_env(), startup_timeout=120
    )
    try:
        proc = psutil.Process(km.provisioner.process.pid)
        out = {"fresh kernel": _mb(proc)}
        kc.execute_interactive("import labkit", timeout=120)
        out["import labkit"] = _mb(proc)
        cells = [c for c in _cells(LESSON) if c.strip() != "world.close()"]
        for number, source in enumerate(cells):
            reply = kc.execute_interactive(source, timeout=300, output_hook=lambda _msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"lesson 01 cell {number} failed: {reply['content']}")
            if number == 0:
                out["lesson 01 imports"] = _mb(proc)
        out["lesson 01 done"] = _mb(proc)
        return out
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _kernel_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(LABKIT_MODE="offline", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    env.update(AWS_DEFAULT_REGION="us-east-1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return env


#: What a lesson-01 kernel imports, in the order the lesson first needs it.
FLOOR_IMPORTS = (
    ("numpy + pandas", "import numpy, pandas"),
    ("boto3 + botocore", "import boto3, botocore.session"),
    (
        "moto (IAM, STS, CloudWatch Logs) + what it imports",
        "import moto.core.responses, moto.core.botocore_stubber, moto.iam.models, "
        "moto.logs.models, moto.sts.models",
    ),
    (
        "matplotlib + Agg canvas",
        "import matplotlib; from matplotlib.figure import Figure; "
        "from matplotlib.backends.backend_agg import FigureCanvasAgg",
    ),
)


def measure_floor() -> list[tuple[str, float]]:
    km, kc = start_new_kernel(kernel_name="python3", env=_kernel_env(), startup_timeout=120)
    try:
        proc = psutil.Process(km.provisioner.process.pid)
        out = [("fresh kernel (ipykernel, IPython, debugpy)", proc.memory_info().rss / 2**20)]
        for label, code in FLOOR_IMPORTS:
            reply = kc.execute_interactive(code, timeout=120, output_hook=lambda _msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{code}: {reply['content']}")
            out.append((label, proc.memory_info().rss / 2**20))
        return out
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run() -> list[dict]:
    runs = [measure_once() for _ in range(REPEATS)]
    rows = []
    for stage in runs[0]:
        rss = statistics.median(r[stage][0] for r in runs)
        uss = statistics.median(r[stage][1] for r in runs)
        rows.append(
            {
                "name": f"kernel RSS: {stage} (USS {uss:.0f} MB)",
                "median": round(rss, 1),
                "unit": "MB",
                "goal": "<= 150 MB" if stage == "lesson 01 done" else "",
            }
        )
    return rows


def run_floor() -> list[dict]:
    runs = [measure_floor() for _ in range(REPEATS)]
    rows, before = [], 0.0
    for i, (label, _) in enumerate(runs[0]):
        total = statistics.median(r[i][1] for r in runs)
        rows.append({"name": f"floor: {label}", "adds": round(total - before, 1), "total": total})
        before = total
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']:<48} {row['median']:>7.1f} {row['unit']}  {row['goal']}")
    for row in run_floor():
        print(f"{row['name']:<64} +{row['adds']:>5.1f} MB  = {row['total']:6.1f} MB")
