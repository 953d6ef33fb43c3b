"""In IPython, a botocore ClientError shows as AWS's ``Code: message``; other errors as usual."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from labkit.notebook_errors import brief, show_aws_errors_briefly

IPython = pytest.importorskip("IPython")


class Shell:
    """The two InteractiveShell methods the handler uses, recording what they get."""

    def __init__(self):
        self.shown = []

    def set_custom_exc(self, types, handler):
        self.types, self.handler = types, handler

    def _showtraceback(self, etype, evalue, stb):
        self.shown.append((etype.__name__, evalue, stb))


def access_denied():
    response = {"Error": {"Code": "AccessDeniedException", "Message": "The state machine IAM Role is not authorized to access the Log Destination"}}  # fmt: skip
    return ClientError(response, "CreateStateMachine")


def test_brief_reads_code_message_and_operation():
    assert brief(access_denied()) == (
        "AccessDeniedException",
        "The state machine IAM Role is not authorized to access the Log Destination",
        "CreateStateMachine",
    )


def test_handler_shows_one_line_named_after_the_aws_code():
    shell = Shell()
    assert show_aws_errors_briefly(shell)
    assert ClientError in shell.types
    error = access_denied()
    lines = shell.handler(shell, ClientError, error, None)
    ename, evalue, stb = shell.shown[0]
    assert ename == "AccessDeniedException"
    assert evalue.startswith("The state machine IAM Role")
    assert stb[0] == f"{ename}: {evalue}" and lines == stb and len(stb) <= 2


def test_labkit_errors_show_their_aws_code_too():
    from labkit.iam import lint

    shell = Shell()
    show_aws_errors_briefly(shell)
    try:
        lint(..., kind="resource")
    except Exception as err:  # noqa: BLE001 - the error under test
        shell.handler(shell, type(err), err, None)
    ename, evalue, stb = shell.shown[0]
    assert ename == "MalformedPolicyDocument" and evalue.startswith("Syntax errors in policy.")
    assert stb == [f"{ename}: {evalue}"]


def test_a_real_ipython_shell_keeps_the_cell_failed():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        show_aws_errors_briefly(shell)
        shell.user_ns["access_denied"] = access_denied
        result = shell.run_cell("raise access_denied()")
        assert not result.success and isinstance(result.error_in_exec, ClientError)
        other = shell.run_cell("1 / 0")  # not an AWS error: IPython's own display
        assert isinstance(other.error_in_exec, ZeroDivisionError)
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()


def test_outside_ipython_nothing_changes(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "IPython", None)
    assert show_aws_errors_briefly() is False
