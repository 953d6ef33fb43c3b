"""Bad input, class 3: ``python -m labkit policy explain`` and ``doctor`` exit 2 with one line.

Run as a learner would (a subprocess, real argv bytes, a real terminal encoding): every bad
input gives exit status 2 and exactly one line on stderr, never a traceback; output is
safe on an ASCII terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

ROLE = "arn:aws:iam::123456789012:role/r"
REQUEST = ["--principal", ROLE, "--action", "logs:PutLogEvents", "--resource", "*"]
ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
}


def offline_env(**extra: str) -> dict[str, str]:
    """No credentials and no instance metadata: the doctor can never reach AWS from a test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
        **extra,
    )
    return env


def labkit(*args: str | bytes, encoding: str = "utf-8") -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "labkit", *args],
        capture_output=True,
        env=offline_env(PYTHONIOENCODING=encoding),
        timeout=60,
    )
    return (
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def assert_bad_input(status: int, out: str, err: str) -> None:
    assert status == 2, (status, out, err)
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    raw = {
        "invalid UTF-8": b'\xff\xfe{"Statement": []}',
        "100k-deep JSON": b'{"Statement": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "JSON syntax": b'{"Statement": [',
        "NaN": b'{"Version": NaN, "Statement": []}',
        "lone surrogate escape": json.dumps({**ALLOW, "Id": "x"})
        .replace('"x"', '"\\ud800"')
        .encode(),
        "lower-case Effect": json.dumps(
            {"Statement": [{**ALLOW["Statement"][0], "Effect": "allow"}]}
        ).encode(),
        "empty": b"",
        "a directory": None,
    }
    out = {}
    for name, content in raw.items():
        path = tmp_path / name.replace(" ", "_")
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content)
        out[name] = str(path)
    return out


CASES = [
    "invalid UTF-8",
    "100k-deep JSON",
    "JSON syntax",
    "NaN",
    "lone surrogate escape",
    "lower-case Effect",
    "empty",
    "a directory",
]


@pytest.mark.parametrize("case", CASES)
def test_policy_explain_bad_file_exits_2_in_one_line(files, case: str) -> None:
    assert_bad_input(
        *labkit("policy", "explain", "--policy", files[case], "--kind", "identity", *REQUEST)
    )


@pytest.mark.parametrize(
    "args",
    [
        [
            b"policy",
            b"explain",
            b"--principal",
            b"\xff\xfe",
            b"--action",
            b"a:b",
            b"--resource",
            b"*",
        ],
        [b"doctor", b"--state-machine", b"arn:aws:states:us-east-1:123456789012:stateMachine:\xff"],
        [b"\xff"],
        ["policy", "explain", "--bogus"],
        ["policy", "explain", "--principal", ROLE],
        ["policy", "explain", "--policy", "/nonexistent/file.json", *REQUEST],
        ["policy", "explain", "--managed", "NoSuchPolicy", *REQUEST],
        [
            "policy",
            "explain",
            "--managed",
            "AdministratorAccess",
            "--principal",
            "nobody",
            "--action",
            "x",
            "--resource",
            "*",
        ],
        ["policy", "explain", "--managed", "AdministratorAccess", *REQUEST, "--context", "novalue"],
        ["policy", "frobnicate"],
        ["doctor"],
        ["doctor", "--state-machine"],
        ["doctor", "--bogus", "x"],
        ["nosuchcommand"],
    ],
    ids=lambda a: " ".join(
        x.decode("utf-8", "backslashreplace") if isinstance(x, bytes) else x for x in a
    )[:60],
)
def test_bad_arguments_exit_2_in_one_line(args) -> None:
    assert_bad_input(*labkit(*args))


def test_emoji_on_an_ascii_terminal_prints_escaped(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{**ALLOW["Statement"][0], "Sid": "Logs\U0001f600"}],
            }
        )
    )
    status, out, err = labkit(
        "policy", "explain", "--policy", str(path), "--kind", "identity", *REQUEST, encoding="ascii"
    )
    assert status == 0 and "Traceback" not in err
    assert "Logs\\U0001f600" in out


def test_doctor_on_an_ascii_terminal_without_credentials_is_one_line() -> None:
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:M\U0001f600"
    status, out, err = labkit("doctor", "--state-machine", arn, encoding="ascii")
    assert status == 6 and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1


def test_good_input_still_works_after_bad(files, tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(ALLOW))
    assert (
        labkit("policy", "explain", "--policy", str(path), "--kind", "identity", *REQUEST)[0] == 0
    )
