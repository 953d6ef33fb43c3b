"""Run every benchmark of the repository and print one table of medians and ratios.

    python benchmarks/run.py            # all benchmarks/bench_*.py
    python benchmarks/run.py world iam  # only bench_world.py and bench_iam.py

Each ``benchmarks/bench_<area>.py`` defines ``run() -> list[dict]``; a row has ``name``,
``median`` (a number), ``unit`` (e.g. "ms"), ``goal`` (text, e.g. "< 50 ms") and optionally
``ratio`` (a number, e.g. offline vs. moto alone). Numbers are printed, never asserted:
timings depend on the machine, so tests do not check them.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("benchmark", "name", "median", "unit", "ratio", "goal", "x goal", "details")


def discover(names: list[str] | None = None) -> list[Path]:
    paths = sorted(HERE.glob("bench_*.py"))
    if names:
        wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
        paths = [p for p in paths if p.stem.removeprefix("bench_") in wanted]
    return paths


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"benchmarks.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def normalise(row: dict) -> dict:
    """One row in the table's columns, whatever spelling a benchmark used.

    Accepted besides the plain keys: ``bench``/``case`` for the name, ``median_<unit>`` or
    ``p50_<unit>`` for the median, ``goal_<unit>`` (or ``goal_p95_<unit>``) for the goal.
    A numeric goal in the median's unit also gives ``x goal`` (median / goal). Other keys
    are listed under ``details``.
    """
    rest = dict(row)
    out: dict = {"name": rest.pop("name", None)}
    if out["name"] is None:
        out["name"] = " / ".join(str(rest.pop(k)) for k in ("bench", "case") if k in rest)
    out["median"], out["unit"] = rest.pop("median", None), rest.pop("unit", None)
    for key in [k for k in rest if k.startswith(("median_", "p50_"))]:
        if out["median"] is None:
            out["unit"] = out["unit"] or key.split("_", 1)[1]
            out["median"] = rest.pop(key)
    goal = rest.pop("goal", None)
    for key in [k for k in rest if k.startswith("goal_")]:
        value, label = rest.pop(key), key.removeprefix("goal_")
        unit = label.rsplit("_", 1)[-1]
        if unit == out["unit"] and label == unit and isinstance(value, int | float) and value:
            out["x goal"] = out["median"] / value if out["median"] is not None else None
        goal = goal or f"{value} {label.replace('_', ' ')}"
    out["goal"] = goal
    out["ratio"] = rest.pop("ratio", None)
    out["details"] = ", ".join(f"{k}={_fmt(v)}" for k, v in rest.items())
    return out


def _fmt(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def table(rows: list[dict]) -> str:
    """Plain-text table of benchmark rows, columns sized to their content."""
    cells = [COLUMNS] + [tuple(_fmt(row.get(col)) for col in COLUMNS) for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip()
        for line in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_all(paths: list[Path]) -> tuple[list[dict], list[str]]:
    rows, failures = [], []
    for path in paths:
        area = path.stem.removeprefix("bench_")
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        try:
            results = load(path).run()
        except Exception:  # one broken benchmark must not hide the others
            failures.append(f"{path.name}:\n{traceback.format_exc()}")
            continue
        rows += [{"benchmark": area, **normalise(row)} for row in results]
    return rows, failures


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = discover(args)
    if not paths:
        print("No benchmarks/bench_*.py found" + (f" for {args}" if args else "") + ".")
        return 0 if not args else 2
    rows, failures = run_all(paths)
    print(table(rows))
    for failure in failures:
        print(f"\nFAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
