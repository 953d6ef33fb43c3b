"""labkit.aws() refuses to start with one clear line per credential problem, naming the profile."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from labkit.safety import SafetyError
from labkit.world import real


@pytest.fixture
def config(tmp_path, monkeypatch):
    cfg = tmp_path / "config"
    cfg.write_text(
        "[profile sandbox]\nregion = us-east-1\n\n[profile nokeys]\nregion = us-east-1\n"
    )
    creds = tmp_path / "credentials"
    creds.write_text(
        "[sandbox]\naws_access_key_id = AKIDSANDBOX\naws_secret_access_key = s3cr3tSandboxKey\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("LABKIT_LEDGER_DIR", str(tmp_path / "ledger"))
    for key in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_STS",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def test_aws_profile_from_the_environment_is_named(config, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "nope")
    with pytest.raises(SafetyError) as info:
        real.aws(out=lambda line: None)
    message = str(info.value)
    assert "'nope'" in message and "AWS_PROFILE=nope" in message and "None" not in message
    assert "profiles found: nokeys, sandbox" in message


def test_a_misspelled_profile_gets_a_suggestion(config):
    with pytest.raises(SafetyError, match=r"AWS profile 'sandbx' .*did you mean 'sandbox'\?"):
        real.aws(profile="sandbx", out=lambda line: None)


def test_a_profile_without_credentials_is_named(config):
    with pytest.raises(SafetyError, match="no AWS credentials found for AWS profile 'nokeys'"):
        real.aws(profile="nokeys", out=lambda line: None)


@pytest.fixture
def sts_says(monkeypatch):
    """A stand-in STS endpoint answering GetCallerIdentity with one error."""
    servers = []

    def start(code: str, message: str):
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>r</RequestId></ErrorResponse>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(403)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    yield start
    for server in servers:
        server.shutdown()


def test_expired_credentials_are_named_and_never_printed(config, sts_says):
    sts_says("ExpiredToken", "The security token included in the request is expired")
    with pytest.raises(SafetyError) as info:
        real.aws(profile="sandbox", out=lambda line: None)
    message = str(info.value)
    assert "AWS rejected the credentials of AWS profile 'sandbox' (ExpiredToken)" in message
    assert "they have expired" in message and "s3cr3tSandboxKey" not in message


def test_rejected_credentials_are_named(config, sts_says):
    sts_says("InvalidClientTokenId", "The security token included in the request is invalid")
    with pytest.raises(SafetyError, match=r"'sandbox' \(InvalidClientTokenId\): they may be"):
        real.aws(profile="sandbox", out=lambda line: None)


def test_no_profile_and_no_credentials(config):
    with pytest.raises(SafetyError, match="no AWS region|no AWS credentials found for the default"):
        real.aws(region="us-east-1", out=lambda line: None)
