"""Is this Python environment ready for the lab? Plain-language answers, no tracebacks.

``check_env()`` looks at the Python version and at each package the lessons import, and
prints one line per finding, e.g. ``Found pandas 3.1.1`` or ``Missing moto: run ...``.
Lesson 00 calls it first; ``python -m labkit.envcheck`` does the same from a shell
and exits 1 when something needs fixing. The supported ranges are those of
``pyproject.toml`` (a test keeps the two in step); the tested versions are pinned in
``binder/requirements.txt``.

Pattern: NASA-NAVO/navo-workshop ``check_env.py`` (a min/max table, "Found X" lines).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import TextIO

from labkit.i18n import N_, _

MIN_PYTHON = (3, 11)

#: distribution name -> (minimum version, first version not supported or None)
PACKAGES: dict[str, tuple[str, str | None]] = {
    "boto3": ("1.44", None),
    "moto": ("5.2.3", "5.3"),
    "pandas": ("2.2", None),
    "matplotlib": ("3.9", None),
    "ipywidgets": ("8.1", "9"),
    "jsonpath-ng": ("1.6", None),
    "jsonata-python": ("0.7", None),
    "tqdm": ("4.66", None),
    "regex": ("2024.4", None),
    "greenlet": ("3.0", None),
}

FIX = N_("run `python -m pip install -r requirements.txt` in the lab's environment")


@dataclass(frozen=True)
class Finding:
    """One checked requirement: what was needed, what was found, and what to do."""

    name: str
    required: str
    found: str | None
    ok: bool
    message: str

    def __str__(self) -> str:
        return self.message

    @property
    def line(self) -> str:
        """One line for a notebook, in labkit's language: ``"pandas >=2.2: ok"``, or the
        requirement and what is wrong with what to do about it."""
        status = _("ok") if self.ok else self.message
        return f"{self.name} {self.required}: {status}"


def _version_tuple(text: str) -> tuple[int, ...]:
    """Leading release numbers of a version ("3.11.2rc1" -> (3, 11, 2))."""
    match = re.match(r"\d+(?:\.\d+)*", text)
    return tuple(int(n) for n in match.group(0).split(".")) if match else ()


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Finding:
    found = ".".join(map(str, version))
    need = ".".join(map(str, MIN_PYTHON))
    if tuple(version[:2]) >= MIN_PYTHON:
        return Finding(
            "Python", f">={need}", found, True, _("Found Python {found}").format(found=found)
        )
    return Finding(
        "Python",
        f">={need}",
        found,
        False,
        _(
            "Python {found} is too old for labkit, which needs Python {need} or newer: "
            "create the environment with `python{need} -m venv .venv` (see the README, "
            "Troubleshooting)."
        ).format(found=found, need=need),
    )


def check_package(name: str, minimum: str, below: str | None, found: str | None) -> Finding:
    """Judge one installed version (``found`` None: not installed) against its range."""
    required = f">={minimum}" + (f",<{below}" if below else "")
    fix = _(FIX)
    if found is None:
        return Finding(
            name, required, None, False, _("Missing {name}: {fix}.").format(name=name, fix=fix)
        )
    have = _version_tuple(found)
    if have < _version_tuple(minimum):
        message = _("{name} {found} is too old (labkit needs {required}): {fix}.").format(
            name=name, found=found, required=required, fix=fix
        )
        return Finding(name, required, found, False, message)
    if below is not None and have >= _version_tuple(below):
        message = _("{name} {found} is too new (labkit needs {required}): {fix}.").format(
            name=name, found=found, required=required, fix=fix
        )
        return Finding(name, required, found, False, message)
    return Finding(
        name, required, found, True, _("Found {name} {found}").format(name=name, found=found)
    )


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def check_env(*, out: TextIO | None = sys.stdout) -> list[Finding]:
    """Check Python and every package the lessons need; print a line each (unless ``out`` is None)."""
    findings = [check_python()]
    for name, (minimum, below) in PACKAGES.items():
        findings.append(check_package(name, minimum, below, installed_version(name)))
    if out is not None:
        for finding in findings:
            print(finding.message, file=out)
        if all(f.ok for f in findings):
            print(_("Your Python environment is ready for the lab."), file=out)
        else:
            print(_("Fix the lines above, then restart the kernel and run this again."), file=out)
    return findings


def main(argv: list[str] | None = None) -> int:
    return 0 if all(f.ok for f in check_env()) else 1


if __name__ == "__main__":
    sys.exit(main())
