"""Draw the README's picture: the article's three phases as timelines, offline.

    python scripts/make_readme_figure.py        # writes docs/timeline.png

One offline world (virtual clock, seed 0) runs the article's experiment with plain boto3
calls from ``labkit.article``: (1) create the state machine, logs arrive; (2) delete the
resource policy and attach AdministratorAccess to the role, no logs arrive; (3) put the
policy back, logs arrive again. Each phase's execution history is drawn against its
delivered log events with ``labkit.timeline``. The output is deterministic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import labkit  # noqa: E402
from labkit import article  # noqa: E402
from labkit.timeline import timeline  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "timeline.png"
PHASES = (
    ("1. Create the state machine: the resource policy is created automatically", "phase-1"),
    ("2. Delete the resource policy, give the role AdministratorAccess", "phase-2"),
    ("3. Put the resource policy back", "phase-3"),
)


def draw(out: Path = OUT, *, seed: int = 0) -> Path:
    fig, axes = plt.subplots(3, 1, figsize=(10, 9.5), constrained_layout=True)
    with labkit.offline(seed=seed) as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        role_arn = article.create_role(iam)
        group_arn = article.create_log_group(logs)
        machine_arn = article.create_state_machine(sfn, role_arn, group_arn)
        saved = None
        for ax, (label, run_name) in zip(axes, PHASES, strict=True):
            if run_name == "phase-2":
                saved = article.delete_resource_policy(logs)
                article.attach_admin(iam)
            elif run_name == "phase-3":
                article.put_resource_policy(logs, saved)
            execution_arn = article.start_execution(sfn, machine_arn, name=run_name)
            world.settle()
            tl = timeline(
                article.history(sfn, execution_arn),
                article.log_events(logs, execution_arn),
                execution_arn=execution_arn,
                ax=ax,
            )
            ax.set_title(f"{label}\n{tl.verdict}", loc="left", fontsize=10)
    # one time scale for the three phases, so their latencies and gaps compare at a glance
    right = max(ax.get_xlim()[1] for ax in axes)
    for ax in axes:
        ax.set_xlim(ax.get_xlim()[0], right)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    path = draw()
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
