"""Draw the one-page cheat sheet: who needs which permission, when, and five commands to check.

    python scripts/make_cheatsheet.py      # writes docs/cheatsheet.png and docs/cheatsheet.pdf

One A4 landscape page, drawn with matplotlib only (no fonts or files from outside the
repository), so the output is the same on every run: no timestamps in the PNG or PDF
metadata. The facts, with their sources ([DOC] AWS documentation, [ISSUE] user reports):

* Set-up (CreateStateMachine / UpdateStateMachine with logging) is authorised by the
  execution role: the log-delivery actions on ``"Resource": "*"`` [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html ; the 8 it uses
  (the guide lists more) from :data:`labkit.iam.examples.SFN_LOGGING_ACTIONS` [ISSUE];
  failing with ``AccessDeniedException`` "The state machine IAM Role is not authorized to
  access the Log Destination" [ISSUE] qiita.com/tmiki/items/1ad26ca38f8b68e00df1.
* Delivery is done by ``delivery.logs.amazonaws.com`` and authorised only by the CloudWatch
  Logs resource policy (``logs:CreateLogStream``, ``logs:PutLogEvents`` on
  ``…:log-group:NAME:log-stream:*``) [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html ;
  "Publishing logs doesn't block or slow down executions" [DOC] cw-logs.html; that the
  events are then dropped silently is what the article observed [INFER otherwise].
* Classic account-level policies: 5,120 characters, 10 per Region; since about March 2026
  new set-ups get one log-group-level policy of up to 51,200 bytes [DOC] CWL-UG, [ISSUE]
  hashicorp/terraform-provider-aws#47111.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from labkit.iam.examples import SFN_LOGGING_ACTIONS  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"

# Okabe–Ito colours (colour-blind safe), as in labkit.timeline
ROLE, DELIVERY, BAD, INK, MUTED = "#0072B2", "#009E73", "#D55E00", "#000000", "#555555"

#: Every word on the page (translate here).
WORDS = {
    "title": "Who writes Step Functions logs? Who needs which permission, when",
    "subtitle": (
        "The state machine's role does not write its logs. The log-delivery service does, "
        "and only the log group's resource policy lets it."
    ),
    "setup-when": "1. SET-UP\nCreateStateMachine / UpdateStateMachine with logging",
    "setup-who": "Checked: the state machine's execution ROLE\n(its identity policies)",
    "setup-needs": 'needs on "Resource": "*":',
    "setup-fail": (
        "Missing → the API call fails: AccessDeniedException\n"
        "“The state machine IAM Role is not authorized to access the Log Destination”\n"
        "(also reported when the resource policy could not be written)"
    ),
    "delivery-when": "2. DELIVERY\nevery execution, as its events are logged",
    "delivery-who": "Writer: delivery.logs.amazonaws.com,\nallowed only by the log group's RESOURCE POLICY",
    "delivery-needs": (
        "Effect:    Allow\n"
        'Principal: {"Service": "delivery.logs.amazonaws.com"}\n'
        "Action:    logs:CreateLogStream, logs:PutLogEvents\n"
        "Resource:  arn:aws:logs:REGION:ACCOUNT:\n"
        "             log-group:NAME:log-stream:*\n"
        "           (or a wildcard: …:log-group:/aws/vendedlogs/*)\n"
        "Condition: aws:SourceAccount = ACCOUNT\n"
        "           aws:SourceArn like arn:aws:logs:REGION:ACCOUNT:*"
    ),
    "delivery-fail": (
        "Missing → the execution still SUCCEEDS,\nbut its log events never arrive.\n"
        "The role is not consulted: even AdministratorAccess\non the role changes nothing."
    ),
    "arrow": "set-up creates\nor extends the\nresource policy\n(the role needs\nPutResource-\nPolicy for it)",
    "forms": (
        "Two forms of the resource policy: classic account-level (AWSLogDeliveryWrite20150319, "
        "5,120 characters, 10 per Region;\nnear the limit AWS adds /aws/vendedlogs/*) and, "
        "since about March 2026, one log-group-level policy (up to 51,200 bytes)."
    ),
    "commands": "Five commands to check an account (AWS CLI; boto3 has the same calls)",
    "sources": (
        "Sources: docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html · "
        "docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html\n"
        "labkit: python -m labkit doctor STATE_MACHINE_ARN runs these checks for you."
    ),
}

#: (what it shows, command): the five checks, in the order a diagnosis takes them.
COMMANDS = (
    (
        "1. Logging config: level, includeExecutionData, destination ending in :*",
        "aws stepfunctions describe-state-machine --state-machine-arn $SM "
        "--query loggingConfiguration",
    ),
    (
        "2. Account-level resource policies (classic): delivery.logs + your group's streams?",
        "aws logs describe-resource-policies",
    ),
    (
        "3. The log group's own policy (2026 form)",
        "aws logs describe-resource-policies --policy-scope RESOURCE --resource-arn $GROUP_ARN",
    ),
    (
        "4. The role's set-up permissions (matter only at Create/UpdateStateMachine)",
        "aws iam simulate-principal-policy --policy-source-arn $ROLE_ARN "
        "--action-names logs:CreateLogDelivery logs:PutResourcePolicy",
    ),
    (
        "5. Did this execution's events arrive?",
        'aws logs filter-log-events --log-group-name $GROUP --filter-pattern "\\"$EXEC_ARN\\""',
    ),
)


def _box(ax, x, y, w, h, colour):
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            w,
            h,
            boxstyle="round,pad=0.008,rounding_size=0.012",
            facecolor="white",
            edgecolor=colour,
            linewidth=2.2,
        )  # fmt: skip
    )


def draw(fig=None):
    """The cheat sheet as a matplotlib figure (A4 landscape)."""
    if fig is None:
        fig = plt.figure(figsize=(11.69, 8.27))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.text(0.03, 0.955, WORDS["title"], fontsize=17, fontweight="bold", color=INK, va="top")
    ax.text(0.03, 0.905, WORDS["subtitle"], fontsize=11, color=MUTED, va="top")

    # the two moments, left to right
    top, height, width = 0.475, 0.39, 0.42
    for x, colour, when, who in (
        (0.03, ROLE, "setup-when", "setup-who"),
        (0.55, DELIVERY, "delivery-when", "delivery-who"),
    ):
        _box(ax, x, top, width, height, colour)
        ax.text(x + 0.012, top + height - 0.02, WORDS[when], fontsize=10.5, fontweight="bold",
                color=colour, va="top", wrap=True)  # fmt: skip
        ax.text(x + 0.012, top + height - 0.085, WORDS[who], fontsize=10, color=INK, va="top")
    actions = "\n".join(f"  {a}" for a in SFN_LOGGING_ACTIONS)
    ax.text(0.042, 0.722, f"{WORDS['setup-needs']}\n{actions}", fontsize=9, family="monospace",
            va="top", color=INK)  # fmt: skip
    ax.text(0.042, 0.535, WORDS["setup-fail"], fontsize=8.5, color=BAD, va="top")
    ax.text(0.562, 0.722, WORDS["delivery-needs"], fontsize=8.5, family="monospace", va="top",
            color=INK)  # fmt: skip
    ax.text(0.562, 0.55, WORDS["delivery-fail"], fontsize=9, color=BAD, va="top",
            fontweight="bold")  # fmt: skip
    ax.add_patch(
        FancyArrowPatch(
            (0.455, 0.72),
            (0.545, 0.72),
            arrowstyle="-|>",
            mutation_scale=22,
            color=MUTED,
            linewidth=1.8,
        )  # fmt: skip
    )
    ax.text(0.5, 0.70, WORDS["arrow"], fontsize=7, color=MUTED, ha="center", va="top")
    ax.text(0.03, 0.455, WORDS["forms"], fontsize=9, color=MUTED, va="top")

    # the five commands
    _box(ax, 0.03, 0.065, 0.94, 0.325, INK)
    ax.text(0.042, 0.375, WORDS["commands"], fontsize=11, fontweight="bold", va="top")
    y = 0.335
    for what, command in COMMANDS:
        ax.text(0.042, y, what, fontsize=9.5, color=MUTED, va="top")
        ax.text(0.055, y - 0.026, command, fontsize=8.6, family="monospace", va="top",
                parse_math=False)  # fmt: skip
        y -= 0.055
    ax.text(0.03, 0.03, WORDS["sources"], fontsize=7.5, color=MUTED, va="center")
    return fig


def write(docs: Path = DOCS) -> tuple[Path, Path]:
    """Write ``cheatsheet.png`` (150 dpi) and ``cheatsheet.pdf``, without timestamps."""
    docs.mkdir(parents=True, exist_ok=True)
    fig = draw()
    png, pdf = docs / "cheatsheet.png", docs / "cheatsheet.pdf"
    fig.savefig(png, dpi=150, metadata={"Software": None})
    fig.savefig(pdf, metadata={"Creator": None, "Producer": None, "CreationDate": None})
    plt.close(fig)
    return png, pdf


def main(argv: list[str] | None = None) -> int:
    for path in write():
        print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
