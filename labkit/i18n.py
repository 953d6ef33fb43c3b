"""The language labkit speaks: English (the default) or Korean, from gettext catalogs.

Choose it with ``labkit.connect(language="ko")``, ``labkit.i18n.set_language("ko")`` or the
environment variable ``LABKIT_LANG=ko``; a notebook under a ``ko/`` folder speaks Korean by
itself (see :func:`current_language`; the environment is read at the first message and again
by every ``labkit.connect()``). Everything labkit itself says (verdicts, findings,
lint warnings, explanations, table headings) goes through :func:`_` / :func:`ngettext`, which
look the English text up in ``labkit/locale/<lang>/LC_MESSAGES/labkit.mo`` at call time, so a
switch takes effect on the next message. AWS's own error codes and messages are never
translated: the lab shows them exactly as AWS returns them.

Runtime needs only the standard library's :mod:`gettext`; the catalogs are extracted and
compiled with Babel by ``scripts/i18n.py`` (``extract``, ``compile``, ``--check``), and the
compiled ``.mo`` is committed and shipped as package data.

Conventions for wrapped text:

* placeholders are ``str.format`` fields with names (``_("{group} does not exist")``), never
  f-strings inside ``_()`` (gettext looks up the text before substitution);
* module-level tables are marked with :func:`N_` and translated where they are shown, most
  simply by wrapping the table in :class:`Messages` (``TEXT["key"]`` is then read in the
  language of that moment; a figure's words use ``language=fonts.figure_language``);
* a whole sentence is one message: no sentences glued together from translated pieces;
* text that may be read later is written when read (``Decision.reason``), so it is in the
  language of that moment, and hot paths pay nothing for it;
* a ``# Translators:`` comment just before a message reaches the translator in the catalog.
"""

from __future__ import annotations

import contextlib
import gettext
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "Messages",
    "N_",
    "_",
    "current_language",
    "gettext_",
    "ngettext",
    "normalize",
    "refresh",
    "set_language",
    "using_language",
]

DOMAIN = "labkit"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: languages labkit speaks, English first (the default and the source language)
LANGUAGES = ("en", "ko")
ENV_VAR = "LABKIT_LANG"

_chosen: str | None = None  # set_language's choice; None: the environment decides
_from_env: str | None = None  # the environment's answer, read once (see refresh)
_catalogs: dict[str, gettext.NullTranslations] = {}
_warned: set[str] = set()  # unusable LABKIT_LANG values already warned about


def normalize(language: str | None) -> str | None:
    """``"ko"``, ``"ko_KR.UTF-8"``, ``"ko-KR"`` -> ``"ko"``; ``""``/None -> None; unknown -> None."""
    if not language:
        return None
    code = language.strip().split(".")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def set_language(language: str | None) -> str:
    """Speak ``language`` (``"en"`` or ``"ko"``) from now on; None: let the environment decide.

    Returns the language now in effect. Figures need a font for it too:
    ``labkit.connect`` and the timeline call :func:`labkit.fonts.configure`.
    """
    global _chosen
    if language is None:
        _chosen = None
        return refresh()
    code = normalize(language)
    if code is None:
        from labkit.errors import LabkitError

        raise LabkitError(
            f"language must be one of {', '.join(map(repr, LANGUAGES))}, not {language!r}"
        )
    _chosen = code
    return code


def refresh() -> str:
    """Read ``LABKIT_LANG`` and the notebook's folder again; return the language in effect.

    The environment is read once, at the first message, because reading it for every message
    would cost more than the message; ``labkit.connect()`` refreshes it.
    """
    global _from_env
    _from_env = None
    return current_language()


def current_language() -> str:
    """The language in effect, the first of:

    1. :func:`set_language`'s choice (``labkit.connect(language=...)`` makes it);
    2. the environment variable ``LABKIT_LANG`` (``ko``, ``ko_KR.UTF-8``, ``en`` ...);
    3. the folder of the notebook this kernel was started for, when it is named after a
       language (``notebooks/ko/01_the_article.ipynb`` -> ``ko``): Jupyter Server tells the
       kernel its notebook's path in ``JPY_SESSION_NAME``, so a Binder or nbgitpuller link to
       a Korean notebook speaks Korean with no setting;
    4. English.
    """
    global _from_env
    if _chosen is not None:
        return _chosen
    if _from_env is None:
        _from_env = _read_environment()
    return _from_env


def _read_environment() -> str:
    raw = os.environ.get(ENV_VAR, "")
    code = normalize(raw)
    if code is None and raw.strip() and raw not in _warned:
        _warned.add(raw)
        warnings.warn(
            f"{ENV_VAR}={raw!r} is not one of {', '.join(LANGUAGES)}: labkit speaks English",
            stacklevel=4,
        )
    if code is None and not raw.strip():
        folder = Path(os.environ.get("JPY_SESSION_NAME", "")).parent.name
        code = folder if folder in LANGUAGES else None
    return code or "en"


@contextlib.contextmanager
def using_language(language: str | None) -> Iterator[str]:
    """``with using_language("ko"):`` speak Korean inside the block, then the previous choice."""
    global _chosen
    before = _chosen
    try:
        yield set_language(language)
    finally:
        _chosen = before


def _catalog(language: str) -> gettext.NullTranslations:
    found = _catalogs.get(language)
    if found is None:
        found = gettext.translation(
            DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True
        )
        _catalogs[language] = found
    return found


def _(message: str) -> str:
    """``message`` (English) in the current language."""
    language = _chosen or _from_env or current_language()
    if language == "en":  # the source language: a message is its own English text
        return message
    return _catalog(language).gettext(message)


gettext_ = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for count ``n``, in the current language."""
    language = _chosen or _from_env or current_language()
    if language == "en":
        return singular if n == 1 else plural
    return _catalog(language).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (translate it with ``_``)."""
    return message


class Messages(Mapping[str, str]):
    """A module's table of English messages (marked with :func:`N_`), read in the current language.

    ``TEXT = Messages({"start": N_("Press Run.")})``; ``TEXT["start"]`` is translated at the
    moment it is read, so a table defined at import time follows every later language switch.
    ``language`` (optional) names the language to read in instead of the current one, e.g.
    :func:`labkit.fonts.figure_language` for a figure's words (English when no installed font
    can draw Hangul). :attr:`english` is the table as written. Empty strings stay empty.
    """

    def __init__(
        self, table: Mapping[str, str], *, language: Callable[[], str] | None = None
    ) -> None:
        self.english = dict(table)
        self._language = language

    def __getitem__(self, key: str) -> str:
        message = self.english[key]
        if not message:
            return message
        if self._language is None:
            return _(message)
        with using_language(self._language()):
            return _(message)

    def __iter__(self) -> Iterator[str]:
        return iter(self.english)

    def __len__(self) -> int:
        return len(self.english)

    def __repr__(self) -> str:
        return f"Messages({self.english!r})"
