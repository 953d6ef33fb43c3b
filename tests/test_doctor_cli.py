"""``python -m labkit doctor`` against a moto server on loopback: exit codes and one-line
explanations, no tracebacks, no writes.

moto 5.2.5 creates no resource policy at CreateStateMachine, so the healthy case puts
AWS's own statement [DOC] CloudWatch Logs User Guide by hand first.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from labkit.doctor import EXIT_CODES, classify, fix_statement, main

ACCOUNT, REGION = "123456789012", "us-east-1"
GROUP = "/aws/vendedlogs/states/M-Logs"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


@pytest.fixture(scope="module")
def server():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    yield f"http://{host}:{port}"
    srv.stop()


@pytest.fixture
def machines(server, monkeypatch, tmp_path):
    urllib.request.urlopen(
        urllib.request.Request(f"{server}/moto-api/reset", data=b"{}", method="POST")
    ).read()
    for key, value in {
        "AWS_ENDPOINT_URL": server,
        "AWS_ACCESS_KEY_ID": "AKIDDOCTOR",
        "AWS_SECRET_ACCESS_KEY": "doctorSecretNeverPrinted",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    s = boto3.Session(region_name=REGION)
    iam, logs, sfn = s.client("iam"), s.client("logs"), s.client("stepfunctions")
    role = iam.create_role(RoleName="R", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    logs.create_log_group(logGroupName=GROUP)
    arn = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"][0]["arn"]

    def machine(name, config=None):
        kw = {"loggingConfiguration": config} if config else {}
        return sfn.create_state_machine(name=name, definition=PASS, roleArn=role, **kw)[
            "stateMachineArn"
        ]

    def dest(a):
        return {
            "level": "ALL",
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": a}}],
        }

    return {
        "session": s,
        "logging": machine("M", dest(arn)),
        "off": machine("Off"),
        "elsewhere": machine("Far", dest(arn.replace(REGION, "eu-west-1"))),
        "missing": machine("Gone", dest(arn.replace("M-Logs", "Gone-Logs"))),
    }


def snapshot(session) -> dict:
    logs = session.client("logs")
    return {
        "policies": logs.describe_resource_policies()["resourcePolicies"],
        "groups": [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]],
        "machines": [
            m["name"]
            for m in session.client("stepfunctions").list_state_machines()["stateMachines"]
        ],
    }


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["--state-machine", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_healthy_is_zero_and_broken_is_one(machines, capsys):
    code, out, _ = run(capsys, machines["logging"])
    assert code == EXIT_CODES["not-delivered"] == 1
    assert "no resource policy statement allows delivery.logs.amazonaws.com" in out
    doc = {"Version": "2012-10-17", "Statement": [fix_statement(REGION, ACCOUNT, GROUP)]}
    machines["session"].client("logs").put_resource_policy(
        policyName="AWSLogDeliveryWrite20150319", policyDocument=json.dumps(doc)
    )
    before = snapshot(machines["session"])
    code, out, _ = run(capsys, machines["logging"])
    assert code == 0 and "WILL be delivered" in out
    assert snapshot(machines["session"]) == before  # read-only


@pytest.mark.parametrize(
    ("which", "status", "words"),
    [
        ("off", "logging-off", "logging is OFF"),
        ("elsewhere", "log-group-elsewhere", "Region eu-west-1"),
        ("missing", "log-group-missing", "does not exist"),
        ("unknown", "unknown-state-machine", "StateMachineDoesNotExist"),
        ("garbage", "unknown-state-machine", "not a state machine ARN"),
    ],
)
def test_distinct_exit_codes_and_one_line(machines, capsys, which, status, words):
    arn = {
        "unknown": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Nope",
        "garbage": "arn:aws:s3:::bucket",
    }.get(which) or machines[which]
    code, out, err = run(capsys, arn)
    assert code == EXIT_CODES[status]
    assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_all_codes_are_distinct():
    assert len(set(EXIT_CODES.values())) == len(EXIT_CODES)


def test_missing_credentials(machines, capsys, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, _, err = run(capsys, machines["logging"])
    assert code == EXIT_CODES["credentials"] == 6
    assert "no AWS credentials" in err and len(err.strip().splitlines()) == 1


def test_unknown_profile(machines, capsys):
    code, _, err = run(capsys, machines["logging"], "--profile", "nope")
    assert code == EXIT_CODES["credentials"] and "nope" in err


def test_expired_credentials_are_classified():
    for code in (
        "ExpiredTokenException",
        "ExpiredToken",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
    ):
        exc = ClientError(
            {
                "Error": {
                    "Code": code,
                    "Message": "The security token included in the request is expired",
                }
            },
            "DescribeStateMachine",
        )
        status, line = classify(exc)
        assert status == "credentials" and "expired" in line


def test_access_denied_is_classified():
    exc = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeStateMachine"
    )
    assert classify(exc)[0] == "access-denied"


def test_usage_and_help(capsys):
    assert main([]) == EXIT_CODES["usage"] == 2
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for status, code in EXIT_CODES.items():
        assert f"  {code}  " in out, status


def test_module_entry_point(machines):
    env_arn = machines["off"]
    done = subprocess.run(
        [sys.executable, "-m", "labkit", "doctor", "--state-machine", env_arn],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_CODES["logging-off"]
    assert "Traceback" not in done.stderr and "logging is OFF" in done.stderr
    assert "doctorSecretNeverPrinted" not in done.stdout + done.stderr
