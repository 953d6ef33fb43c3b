"""The repository's own tools: environment check, the two lesson editions, benchmark table."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from packaging.requirements import Requirement

from labkit import envcheck

REPO = Path(__file__).resolve().parent.parent


def load(rel: str):
    path = REPO / rel
    spec = importlib.util.spec_from_file_location(f"_repo_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


regen = load("scripts/editions.py")
bench = load("benchmarks/run.py")


# ----------------------------------------------------------------- environment check


def test_envcheck_ranges_follow_pyproject():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    ranges = {}
    for dep in deps:
        req = Requirement(dep)
        spec = {s.operator: s.version for s in req.specifier}
        ranges[req.name] = (spec.get(">="), spec.get("<"))
    assert ranges == envcheck.PACKAGES


def test_envcheck_says_what_to_do_in_plain_words():
    assert envcheck.check_python((3, 11, 7)).ok
    old = envcheck.check_python((3, 10, 12))
    assert not old.ok
    assert "Python 3.10.12 is too old" in old.message and "python3.11 -m venv" in old.message
    missing = envcheck.check_package("moto", "5.2.3", "5.3", None)
    assert not missing.ok and missing.message.startswith("Missing moto: run `")
    assert "requirements.txt" in missing.message
    assert not envcheck.check_package("moto", "5.2.3", "5.3", "5.1.9").ok
    assert "too new" in envcheck.check_package("moto", "5.2.3", "5.3", "5.3.0").message
    found = envcheck.check_package("pandas", "2.2", None, "3.1.1")
    assert found.ok and str(found) == "Found pandas 3.1.1"
    assert envcheck.check_package("x", "1.10", None, "1.9.9").ok is False  # not string order


def test_envcheck_prints_one_line_per_requirement():
    out = io.StringIO()
    findings = envcheck.check_env(out=out)
    lines = out.getvalue().splitlines()
    assert len(findings) == 1 + len(envcheck.PACKAGES)
    assert lines[: len(findings)] == [f.message for f in findings]
    assert all(f.ok for f in findings), lines  # this test environment is complete
    assert lines[-1] == "Your Python environment is ready for the lab."


# ----------------------------------------------------------------- regeneration


def test_sanitize_rules_are_parsed_as_nbval_parses_them():
    from nbval.plugin import get_sanitize_patterns

    text = (REPO / "tests" / "nbval_sanitize.cfg").read_text()
    ours = [(r.pattern, rep) for r, rep in regen.sanitize_rules(text)]
    assert ours == list(get_sanitize_patterns(text))
    assert ours, "the sanitize file has no rules"


def test_sanitize_masks_only_what_varies():
    rules = regen.sanitize_rules((REPO / "tests" / "nbval_sanitize.cfg").read_text())
    text = (
        "<object object at 0x7f3a2c1b9e40> /tmp/ipykernel_4242/123.py:3: UserWarning "
        "/x/venv/lib/python3.11/site-packages/moto/core.py "
        "2026-01-01T00:00:03+00:00 arn:aws:states:us-east-1:123456789012:execution:m:run-1"
    )
    out = regen.sanitize(text, rules)
    assert "<ADDR>" in out and "<CELL>:3" in out and "<SITE>/moto/core.py" in out
    # deterministic offline values stay as they are
    assert "2026-01-01T00:00:03+00:00" in out
    assert "arn:aws:states:us-east-1:123456789012:execution:m:run-1" in out


def _executed_notebook():
    nb = new_notebook(
        cells=[
            new_markdown_cell("# t"),
            new_code_cell("x = 1"),
            new_code_cell("x"),
        ],
        metadata={"language_info": {"name": "python", "version": "3.11.7"}},
    )
    nb.cells[1].execution_count = 7
    nb.cells[2].execution_count = 9
    nb.cells[1].outputs = [
        new_output("stream", name="stdout", text="a"),
        new_output("stream", name="stdout", text="b\n"),
        new_output(
            "error", ename="ValueError", evalue="bad at 0xdeadbeef00", traceback=["/long/path"]
        ),
    ]
    view = {"model_id": "0" * 31 + "a", "version_major": 2, "version_minor": 0}
    nb.cells[2].outputs = [
        new_output(
            "display_data",
            data={"application/vnd.jupyter.widget-view+json": view, "text/plain": "Button()"},
        )
    ]
    state = {"0" * 31 + "a": {"model_name": "ButtonModel", "state": {}}}
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": state,
            "version_major": 2,
            "version_minor": 0,
        }
    }
    return nb


def test_normalise_is_stable_and_strips_run_specific_details():
    rules = regen.sanitize_rules((REPO / "tests" / "nbval_sanitize.cfg").read_text())
    executed = _executed_notebook()
    text = regen.normalise(executed, name="t", rules=rules)
    assert text == regen.normalise(executed, name="t", rules=rules)  # and input untouched
    nb = nbformat.reads(text, as_version=4)
    assert [c.get("execution_count") for c in nb.cells[1:]] == [1, 2]
    first = nb.cells[1].outputs
    assert first[0].text == "ab\n" and len(first) == 2  # streams merged
    assert first[1].traceback == ["ValueError: bad at <ADDR>"]
    assert "version" not in nb.metadata.language_info
    assert "0" * 31 + "a" not in text  # random model id renamed, same in view and state
    model_id = nb.cells[2].outputs[0].data["application/vnd.jupyter.widget-view+json"]
    assert list(nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]) == [
        model_id["model_id"]
    ]
    assert [c.id for c in nb.cells] == [c.id for c in executed.cells]  # authored ids kept
    assert text.endswith("\n")


LESSON = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# A lesson

```{code-cell} ipython3
import os
print(os.environ['LABKIT_MODE'], os.environ['PYTHONHASHSEED'])
```

```{code-cell} ipython3
:tags: [raises-exception]

raise PermissionError('AccessDenied')
```

```{code-cell} ipython3
:tags: [exercise]

answer = ...  # your turn
```

```{code-cell} ipython3
:tags: [solution]

answer = sorted({'b', 'a'})
```

```{code-cell} ipython3
answer
```
"""


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A repository in miniature: lessons/, notebooks/ and docs/lessons/ under tmp_path."""
    for name, rel in [("LESSONS", "lessons"), ("LEARNER", "notebooks"), ("DOCS", "docs/lessons")]:
        monkeypatch.setattr(regen, name, tmp_path / rel)
    (tmp_path / "lessons").mkdir()
    monkeypatch.setattr(regen, "REPO", tmp_path)
    monkeypatch.setattr(regen, "SANITIZE_FILE", REPO / "tests" / "nbval_sanitize.cfg")
    return tmp_path


def test_editions_build_a_blank_and_an_executed_notebook_and_check_drift(tree, capsys):
    (tree / "lessons" / "09_demo.md").write_text(LESSON)
    assert regen.main([]) == 0
    learner = nbformat.read(tree / "notebooks" / "09_demo.ipynb", as_version=4)
    code = [c for c in learner.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "answer = ...  # your turn" in [c.source for c in code]  # the blank stays
    assert not any("sorted(" in c.source for c in code)  # the solution is not a code cell
    reveal = [c.source for c in learner.cells if "<details>" in c.source]
    assert reveal and "sorted({'b', 'a'})" in reveal[0] and "<summary>Reveal" in reveal[0]
    assert "jupytext" not in learner.metadata  # a plain notebook, not paired

    docs_text = (tree / "docs" / "lessons" / "09_demo.ipynb").read_text()
    docs = nbformat.reads(docs_text, as_version=4)
    code = [c for c in docs.cells if c.cell_type == "code"]
    assert code[0].outputs[0].text == "offline 0\n"  # the lesson kernels' environment
    assert code[1].outputs[0].ename == "PermissionError"
    assert code[1].metadata.tags == ["raises-exception"]  # tags left as authored
    assert not any("# your turn" in c.source for c in code)  # docs run the solution
    assert code[-1].outputs[0].data["text/plain"] == "['a', 'b']"
    assert [c.execution_count for c in code] == [1, 2, 3, 4]

    assert regen.main(["--check"]) == 0
    assert regen.main(["--check", "--stored"]) == 0  # the stored docs edition reproduces
    path = tree / "docs" / "lessons" / "09_demo.ipynb"
    path.write_text(docs_text.replace("offline 0", "aws 0"))
    capsys.readouterr()
    assert regen.main(["--check"]) == 1
    assert "DIFFERS docs/lessons/09_demo.ipynb" in capsys.readouterr().out
    assert "aws 0" in path.read_text()  # --check never writes
    (tree / "notebooks" / "99_orphan.ipynb").write_text("{}")
    path.write_text(docs_text)
    assert regen.main(["--check"]) == 1
    assert "STALE 99_orphan.ipynb" in capsys.readouterr().out


def test_editions_stop_on_an_unexpected_error_and_write_no_docs_edition(tree, capsys):
    broken = LESSON.replace("raise PermissionError('AccessDenied')", "undefined_name")
    broken = broken.replace(":tags: [raises-exception]\n", "")
    (tree / "lessons" / "09_demo.md").write_text(broken)
    assert regen.main([]) == 1
    assert "FAILED docs/lessons/09_demo.ipynb" in capsys.readouterr().out
    assert not (tree / "docs" / "lessons" / "09_demo.ipynb").exists()


# ----------------------------------------------------------------- benchmark table


def test_benchmark_rows_in_any_documented_spelling_fill_the_table():
    rows = [
        {"name": "evaluate", "median": 12.5, "unit": "us", "goal": "< 50 us", "ratio": 0.4},
        {"name": "world", "median_ms": 75.2, "goal_ms": 500, "n": 10},
        {
            "bench": "lab_click",
            "case": "none",
            "p50_ms": 700.0,
            "p95_ms": 860.0,
            "goal_p95_ms": 250,
        },
    ]
    norm = [bench.normalise(r) for r in rows]
    assert norm[0]["median"] == 12.5 and norm[0]["ratio"] == 0.4
    assert norm[1]["unit"] == "ms" and norm[1]["goal"] == "500 ms"
    assert norm[1]["x goal"] == pytest.approx(75.2 / 500) and norm[1]["details"] == "n=10"
    assert norm[2]["name"] == "lab_click / none" and norm[2]["median"] == 700.0
    assert norm[2]["goal"] == "250 p95 ms" and "p95_ms=860" in norm[2]["details"]
    table = bench.table([{"benchmark": "x", **n} for n in norm]).splitlines()
    assert re.match(r"benchmark\s+name\s+median\s+unit\s+ratio\s+goal", table[0])
    assert set(table[1]) <= {"-", " "} and len(table) == 5


def test_benchmark_runner_finds_every_bench_module_and_reports_failures(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "bench_ok.py").write_text(
        "def run():\n    return [{'name': 'a', 'median': 1.0, 'unit': 's'}]\n"
    )
    (tmp_path / "bench_bad.py").write_text("def run():\n    raise RuntimeError('boom')\n")
    monkeypatch.setattr(bench, "HERE", tmp_path)
    assert [p.name for p in bench.discover()] == ["bench_bad.py", "bench_ok.py"]
    assert bench.main([]) == 1
    captured = capsys.readouterr()
    assert re.search(r"^ok\s+a\s+1(\.0)?\s+s", captured.out, flags=re.M)
    assert "boom" in captured.err
    assert bench.main(["ok"]) == 0
