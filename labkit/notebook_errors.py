"""In a notebook, show an AWS error as AWS states it: ``AccessDeniedException: <message>``.

A failed boto3 call raises botocore's ``ClientError``; IPython's default display is some
thirty lines of botocore frames above the one line a learner needs, the error code and
message the service returned. Every AWS error carries both in
``error.response["Error"]["Code"]`` and ``["Message"]`` (boto3 guide, *Error handling*:
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/error-handling.html).

``show_aws_errors_briefly()`` installs an IPython custom exception handler
(``InteractiveShell.set_custom_exc``) for ``ClientError`` and for labkit's own
``LabkitError`` (which carries AWS's code and message too, e.g. ``MalformedPolicyDocument``
for a policy that is not a policy: a learner sees no labkit internals). The cell still fails (Run
All stops, nbval and nbclient see an error), the error output is named after the AWS code
(``ename``) with AWS's message as its value (``evalue``), and ``%tb`` prints the full
traceback on demand. Every other exception keeps IPython's usual display. ``import labkit``
installs it when it runs inside IPython; nothing changes outside IPython.

Hand-written because IPython offers the hook but no library formats AWS errors for it.
"""

from __future__ import annotations

import sys
from typing import Any

from labkit.i18n import _

_ERROR_TYPES: dict[str, type] = {}


def brief(error: Any) -> tuple[str, str, str]:
    """``(code, message, operation)`` of a botocore ``ClientError`` or a ``LabkitError``."""
    if hasattr(error, "code") and hasattr(error, "message") and not hasattr(error, "response"):
        return str(error.code), str(error.message), ""
    details = (getattr(error, "response", None) or {}).get("Error", {})
    code = details.get("Code") or type(error).__name__
    message = details.get("Message") or str(error)
    return str(code), str(message), str(getattr(error, "operation_name", "") or "")


def _named(code: str) -> type:
    """An exception class named ``code``, so the error output's ``ename`` is AWS's code."""
    if code not in _ERROR_TYPES:
        _ERROR_TYPES[code] = type(code, (Exception,), {"__module__": "aws"})
    return _ERROR_TYPES[code]


def _handler(shell, etype, value, tb, tb_offset=None) -> list[str]:
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # for %tb
    code, message, operation = brief(value)
    lines = [f"{code}: {message}"]
    if operation:
        lines.append(
            _("(from the {operation} call; %tb shows the full Python traceback)").format(
                operation=operation
            )
        )
    shell._showtraceback(_named(code), message, lines)
    return lines


def show_aws_errors_briefly(shell: Any = None) -> bool:
    """Display botocore ``ClientError`` and ``LabkitError`` in ``shell`` (default: the running IPython) briefly.

    Returns False, changing nothing, outside IPython.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    from botocore.exceptions import ClientError

    from labkit.errors import LabkitError

    shell.set_custom_exc((ClientError, LabkitError), _handler)
    return True
