"""``python -m labkit COMMAND``: the lab's command line.

Commands (each lives beside the idea it serves):
  policy explain   evaluate one request against a policy file and explain the decision
  tour             run the article's three phases in a fresh offline world
  doctor           diagnose why a state machine's logs are (not) delivered

Bad input (arguments that are not valid UTF-8, unreadable or malformed files) exits with
status 2 and one line on stderr, never a traceback; output is safe on any terminal encoding.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "policy": ("labkit.iam.cli", "evaluate a request against a policy and explain it"),
    "tour": ("labkit.tour", "run the article's three phases offline"),
    "doctor": ("labkit.doctor", "diagnose why a state machine's logs are missing"),
}


def _usage() -> str:
    lines = ["usage: python -m labkit COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<8} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from labkit.console import bad_argument, safe_streams

    safe_streams()  # any terminal encoding: unprintable characters come out escaped
    args = list(sys.argv[1:] if argv is None else argv)
    if (problem := bad_argument(args)) is not None:
        print(f"labkit: {problem}", file=sys.stderr)
        return 2
    if not args or args[0] in {"-h", "--help"}:
        print(_usage())
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        known = ", ".join(COMMANDS)
        print(
            f"labkit: unknown command {args[0]!r} (commands: {known}; see --help)", file=sys.stderr
        )
        return 2
    module = importlib.import_module(entry[0])
    return int(module.main(args[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
