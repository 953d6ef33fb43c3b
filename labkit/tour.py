"""``python -m labkit tour``: the article's three phases in a fresh offline world.

1. Create the role, the log group and the machine (logging ALL): Step Functions sets up
   the resource policy ``AWSLogDeliveryWrite20150319``; the execution's logs arrive.
2. Delete the resource policy and attach AdministratorAccess to the role: the execution
   succeeds, no logs arrive.
3. Put the resource policy back: logs arrive again.

For each phase it prints the boto3 calls made and one row of the summary table.
"""

from __future__ import annotations

import argparse
import unicodedata
from dataclasses import dataclass
from typing import Any

from botocore import xform_name

from labkit import article
from labkit.i18n import N_, _

#: the table's headings, in English (shown in the current language)
COLUMNS = (
    N_("phase"),
    N_("resource policy"),
    N_("role policies"),
    N_("execution status"),
    N_("history events"),
    N_("delivered log events"),
)


@dataclass(frozen=True)
class PhaseRow:
    """One line of the tour's table."""

    phase: str
    resource_policy: str
    role_policies: str
    execution_status: str
    history_events: int
    delivered_log_events: int

    def cells(self) -> tuple[str, ...]:
        return (
            self.phase,
            self.resource_policy,
            self.role_policies,
            self.execution_status,
            str(self.history_events),
            str(self.delivered_log_events),
        )


class _Recorder:
    """Collects ``service.operation`` for every call made by the tour's clients."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.service_name
        if service == "states":
            service = "stepfunctions"

        def record(model: Any, **_: Any) -> None:
            self.calls.append(f"{service}.{xform_name(model.name)}")

        client.meta.events.register("before-call", record)
        return client

    def take(self) -> list[str]:
        calls, self.calls = self.calls, []
        return calls


def run_tour(*, seed: int = 0, profile: str = "classic") -> tuple[list[PhaseRow], list[list[str]]]:
    """Run the three phases; return the table rows and the calls made in each phase."""
    import labkit

    rows: list[PhaseRow] = []
    calls: list[list[str]] = []
    with labkit.offline(seed=seed, profile=profile) as world:
        rec = _Recorder()
        iam, logs, sfn = (rec.attach(world.client(n)) for n in ("iam", "logs", "stepfunctions"))

        def phase(label: str, machine_arn: str, run_name: str) -> None:
            execution_arn = article.start_execution(sfn, machine_arn, name=run_name)
            world.settle()
            status = sfn.describe_execution(executionArn=execution_arn)["status"]
            events = article.history(sfn, execution_arn)
            delivered = article.log_events(logs, execution_arn)
            policy = _("present") if article.resource_policy(logs) else _("absent")
            roles = ", ".join(article.role_policies(iam))
            calls.append(rec.take())
            rows.append(PhaseRow(label, policy, roles, status, len(events), len(delivered)))

        role_arn = article.create_role(iam)
        group_arn = article.create_log_group(logs)
        machine_arn = article.create_state_machine(sfn, role_arn, group_arn)
        phase(_("1 create"), machine_arn, "phase-1")

        document = article.delete_resource_policy(logs)
        article.attach_admin(iam)
        phase(_("2 delete policy, role admin"), machine_arn, "phase-2")

        assert document is not None
        article.put_resource_policy(logs, document)
        phase(_("3 put policy back"), machine_arn, "phase-3")
    return rows, calls


def _width(text: str) -> int:
    """Terminal columns of ``text``: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: list[PhaseRow]) -> str:
    """A plain-text table of the phases (headings in the current language)."""
    cells = [tuple(_(c) for c in COLUMNS), *(r.cells() for r in rows)]
    widths = [max(_width(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print each phase's calls and the summary table."""
    parser = argparse.ArgumentParser(
        prog="python -m labkit tour", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", choices=("classic", "current"), default="classic")
    args = parser.parse_args(argv or [])
    rows, calls = run_tour(seed=args.seed, profile=args.profile)
    for row, phase_calls in zip(rows, calls, strict=True):
        print(_("Phase {phase}").format(phase=row.phase))
        for call in phase_calls:
            print(f"  {call}")
        print(table([row]))
        print()
    print(_("Summary"))
    print(table(rows))
    return 0
