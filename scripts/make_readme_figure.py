"""Draw the README's picture: the article's three phases as timelines, offline.

    python scripts/make_readme_figure.py        # writes docs/timeline.png

One offline world (virtual clock, seed 0) runs the article's experiment with plain boto3
calls from ``labkit.article``: (1) create the state machine, logs arrive; (2) delete the
resource policy and attach AdministratorAccess to the role, no logs arrive; (3) put the
policy back, logs arrive again. Each phase's execution history is drawn against its
delivered log events with ``labkit.timeline([...])``, on one shared x-axis, so latencies
and gaps compare at a glance. The output is deterministic.
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
    ("Phase 1: create the machine (AWS adds the policy)", "phase-1"),
    ("Phase 2: no resource policy, role AdministratorAccess", "phase-2"),
    ("Phase 3: put the policy back", "phase-3"),
)


def draw(out: Path = OUT, *, seed: int = 0) -> Path:
    runs = []
    with labkit.offline(seed=seed) as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        role_arn = article.create_role(iam)
        group_arn = article.create_log_group(logs)
        machine_arn = article.create_state_machine(sfn, role_arn, group_arn)
        saved = None
        for label, run_name in PHASES:
            if run_name == "phase-2":
                saved = article.delete_resource_policy(logs)
                article.attach_admin(iam)
            elif run_name == "phase-3":
                article.put_resource_policy(logs, saved)
            execution_arn = article.start_execution(sfn, machine_arn, name=run_name)
            world.settle()
            runs.append(
                {
                    "history": article.history(sfn, execution_arn),
                    "log_events": article.log_events(logs, execution_arn),
                    "execution_arn": execution_arn,
                    "phase": label,
                }
            )
    picture = timeline(runs)
    out.parent.mkdir(parents=True, exist_ok=True)
    picture.figure.savefig(out, dpi=100, metadata={"Software": None})
    plt.close(picture.figure)
    return out


def main(argv: list[str] | None = None) -> int:
    path = draw()
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
