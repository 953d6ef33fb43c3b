"""``python -m labkit policy explain``: exit 0 allowed, 1 denied, 2 bad input; no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from labkit.iam.cli import main
from labkit.iam.examples import delivery_policy

ACCT, REGION, LG = "123456789012", "us-east-1", "G"
STREAM = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{LG}:log-stream:s"
SVC = "delivery.logs.amazonaws.com"
CONTEXT = [
    "--context",
    f"aws:SourceAccount={ACCT}",
    "--context",
    f"aws:SourceArn=arn:aws:logs:{REGION}:{ACCT}:*",
]


@pytest.fixture
def rp(tmp_path):
    path = tmp_path / "rp.json"
    path.write_text(json.dumps(delivery_policy(REGION, ACCT, LG)))
    return str(path)


def _args(rp, *extra):
    return [
        "explain",
        "--policy",
        rp,
        "--kind",
        "resource",
        "--principal",
        SVC,
        "--action",
        "logs:PutLogEvents",
        "--resource",
        STREAM,
        *extra,
    ]


def test_allowed_exits_0_and_prints_decision(rp, capsys):
    assert main(_args(rp, *CONTEXT)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Allowed: delivery.logs.amazonaws.com -> logs:PutLogEvents")
    assert "allowed by AWSLogDeliveryWrite20150319 in policy rp.json" in out


def test_denied_exits_1_and_names_failing_condition(rp, capsys):
    assert main(_args(rp, "--context", "aws:SourceAccount=999999999999")) == 1
    out = capsys.readouterr().out
    assert out.startswith("ImplicitlyDenied")
    assert "aws:SourceAccount = 999999999999 fails StringEquals" in out


def test_identity_kind_with_boundary_and_managed(tmp_path, capsys):
    ident = tmp_path / "id.json"
    ident.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
            }
        )
    )
    boundary = tmp_path / "b.json"
    boundary.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"}],
            }
        )
    )
    role = f"arn:aws:iam::{ACCT}:role/R"
    base = ["explain", "--principal", role, "--action", "logs:CreateLogDelivery", "--resource", "*"]
    assert main([*base, "--policy", str(ident), "--kind", "identity"]) == 0
    assert (
        main([*base, "--policy", str(ident), "--kind", "identity", "--boundary", str(boundary)])
        == 1
    )
    assert "permissions boundary" in capsys.readouterr().out
    assert main([*base, "--managed", "AWSStepFunctionsFullAccess"]) == 1


def test_multi_valued_context_and_lint(rp, capsys):
    assert (
        main(
            _args(
                rp, *CONTEXT, "--context", "aws:TagKeys=a", "--context", "aws:TagKeys=b", "--lint"
            )
        )
        == 0
    )


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (
            [
                "explain",
                "--policy",
                "/nonexistent/p.json",
                "--principal",
                SVC,
                "--action",
                "logs:PutLogEvents",
                "--resource",
                "*",
            ],
            "cannot read policy file",
        ),
        (
            [
                "explain",
                "--policy",
                "RP",
                "--principal",
                SVC,
                "--action",
                "PutLogEvents",
                "--resource",
                "*",
            ],
            "service:Action",
        ),
        (
            [
                "explain",
                "--policy",
                "RP",
                "--principal",
                SVC,
                "--action",
                "logs:PutLogEvents",
                "--resource",
                "*",
                "--context",
                "novalue",
            ],
            "key=value",
        ),
        (
            [
                "explain",
                "--policy",
                "RP",
                "--kind",
                "identity",
                "--principal",
                SVC,
                "--action",
                "logs:PutLogEvents",
                "--resource",
                "*",
            ],
            "should not specify a principal",
        ),
        (["explain", "--policy", "RP"], "required"),
        (
            ["explain", "--principal", SVC, "--action", "logs:PutLogEvents", "--resource", "*"],
            "at least one",
        ),
        (
            [
                "explain",
                "--managed",
                "Nope",
                "--principal",
                SVC,
                "--action",
                "logs:PutLogEvents",
                "--resource",
                "*",
            ],
            "NoSuchEntity",
        ),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(rp, capsys, argv, fragment):
    argv = [rp if a == "RP" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_malformed_policy_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert (
        main(
            [
                "explain",
                "--policy",
                str(bad),
                "--principal",
                SVC,
                "--action",
                "logs:PutLogEvents",
                "--resource",
                "*",
            ]
        )
        == 2
    )
    assert "MalformedPolicyDocument: Syntax errors in policy." in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "explain" in capsys.readouterr().out


def test_python_dash_m_entry_point(rp):
    """The module entry point dispatches `policy` to this CLI (end to end, exit status kept)."""
    result = subprocess.run(
        [sys.executable, "-m", "labkit", "policy", *_args(rp, *CONTEXT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Allowed:")
