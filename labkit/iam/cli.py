"""``python -m labkit policy explain``: evaluate one request against policy files and explain it.

Exit status: 0 when the request is allowed, 1 when it is not (explicitly or implicitly
denied), 2 for bad input (unreadable file, a file that is not UTF-8, malformed or too
deeply nested JSON, malformed policy or request, an argument that is not valid UTF-8),
with a one-line message and no traceback; 3 for an error inside labkit itself (a defect,
reported in one line too).

Example::

    python -m labkit policy explain --policy rp.json --kind resource \\
        --principal delivery.logs.amazonaws.com --action logs:PutLogEvents \\
        --resource arn:aws:logs:us-east-1:123456789012:log-group:G:log-stream:s \\
        --context aws:SourceAccount=123456789012 \\
        --context aws:SourceArn=arn:aws:logs:us-east-1:123456789012:*
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labkit.console import bad_argument, one_line, safe_streams
from labkit.errors import LabkitError
from labkit.iam.document import Policy
from labkit.iam.evaluate import evaluate
from labkit.iam.lint import lint
from labkit.iam.managed import MANAGED_POLICY_NAMES, managed_policy
from labkit.iam.request import Request


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # no SystemExit from inside labkit
        raise _Usage(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m labkit policy", description="IAM policy tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ex = sub.add_parser(
        "explain",
        help="evaluate a request against policies and explain the decision",
        description="Evaluate one request and explain which statement decided. "
        "Exit 0 allowed, 1 denied, 2 bad input.",
    )
    ex.add_argument(
        "--policy", action="append", default=[], metavar="FILE", help="policy JSON file (repeat)"
    )
    ex.add_argument(
        "--kind",
        choices=("resource", "identity"),
        default="resource",
        help="what the --policy files are (default: resource)",
    )
    ex.add_argument(
        "--identity",
        action="append",
        default=[],
        metavar="FILE",
        help="identity-based policy file, alongside resource --policy files (repeat)",
    )
    ex.add_argument(
        "--managed",
        action="append",
        default=[],
        metavar="NAME",
        help=f"AWS managed policy as an identity policy ({', '.join(MANAGED_POLICY_NAMES)})",
    )
    ex.add_argument("--boundary", metavar="FILE", help="permissions boundary policy file")
    ex.add_argument("--principal", required=True, help="service principal, IAM ARN or account id")
    ex.add_argument("--action", required=True, help="service:Action, e.g. logs:PutLogEvents")
    ex.add_argument("--resource", required=True, help="resource ARN, or *")
    ex.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="condition key value (repeat a key for a multi-valued key)",
    )
    ex.add_argument("--lint", action="store_true", help="also print lint warnings")
    return parser


def _read(path: str, kind: str) -> Policy:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise LabkitError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise LabkitError(
            f"policy file {path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} "
            f"at offset {exc.start})"
        ) from None
    return Policy.load(text, kind=kind, name=Path(path).name)  # type: ignore[arg-type]


def _context(items: list[str]) -> dict[str, str | list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise LabkitError(f"--context {item!r} must look like key=value")
        out.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def _explain(args: argparse.Namespace) -> int:
    if not (args.policy or args.identity or args.managed):
        raise LabkitError("give at least one --policy, --identity or --managed policy")
    identity = [_read(p, "identity") for p in args.identity]
    resource: list[Policy] = []
    for path in args.policy:
        (resource if args.kind == "resource" else identity).append(_read(path, args.kind))
    identity += [managed_policy(n).policy("identity") for n in args.managed]
    boundary = _read(args.boundary, "boundary") if args.boundary else None
    request = Request(args.principal, args.action, args.resource, _context(args.context))
    decision = evaluate(request, identity=identity, resource=resource, boundary=boundary)
    print(decision)
    if args.lint:
        for policy in [*identity, *resource, *([boundary] if boundary else [])]:
            for warning in lint(policy):
                print(f"lint {policy.name}: {warning}")
    return 0 if decision.allowed else 1


def main(argv: list[str] | None = None) -> int:
    """Run ``policy explain``; returns the exit status (0 allowed, 1 denied, 2 bad input)."""
    safe_streams()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if (problem := bad_argument(args_list)) is not None:
        print(f"labkit policy: {problem}", file=sys.stderr)
        return 2
    parser = _parser()
    if not args_list:
        print("python -m labkit policy: give a command: explain (see --help)", file=sys.stderr)
        return 2
    if args_list[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    try:
        args = parser.parse_args(args_list)
    except _Usage as exc:
        print(one_line(exc), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help inside a subcommand
        return int(exc.code or 0)
    if args.command != "explain":
        print("python -m labkit policy: the command is 'explain'", file=sys.stderr)
        return 2
    try:
        return _explain(args)
    except LabkitError as exc:
        print(f"labkit policy explain: {one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a labkit defect: one line, no traceback
        print(
            f"labkit policy explain: internal error ({type(exc).__name__}: {one_line(exc)})",
            file=sys.stderr,
        )
        return 3
