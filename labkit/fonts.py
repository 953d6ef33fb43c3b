"""Hangul in figures: find a font that has it, and let matplotlib fall back to it.

matplotlib's default font, DejaVu Sans, has no Hangul: Korean labels would be drawn as empty
boxes, with only a "Glyph ... missing" warning. Since matplotlib 3.6 a text falls back glyph by
glyph through the families listed in ``rcParams["font.family"]`` [DOC]
https://matplotlib.org/stable/users/explain/text/fonts.html (font fallback), so
:func:`configure` appends a CJK family found on this machine: Latin text keeps its usual font
and Hangul comes from the CJK one.

Which font: NanumGothic as shipped inside the ``koreanize-matplotlib`` wheel (pinned in
``binder/requirements.txt``; the font is under the SIL Open Font License), so every machine
that installs the lab's requirements, Binder and a bare Python 3.11 included, draws the same
Hangul and the docs edition's figures are the same everywhere. Only the font files are used
(every weight shipped, so bold titles find a bold face): that package's own module, which
changes matplotlib's settings on import, is never imported.
Without it, the installed fonts are tried: Debian's ``fonts-noto-cjk`` (``Noto Sans CJK
KR``) first, then other common Korean fonts; a candidate counts only if it really has the
Hangul glyphs (its character map is checked). Without one, :func:`configure` warns (:class:`HangulFontWarning`, once) and
:func:`figure_language` answers ``"en"``, so figures keep English labels instead of drawing
boxes; the text outputs still speak Korean.
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from dataclasses import dataclass

from labkit.i18n import _, current_language

__all__ = [
    "HangulFont",
    "HangulFontWarning",
    "configure",
    "figure_language",
    "hangul_font",
    "missing_glyphs",
]

#: families tried in order; Korean-first faces before the JP/SC/TC faces of the same fonts
PREFERRED = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Source Han Sans KR",
    "Source Han Sans K",
    "NanumGothic",
    "Apple SD Gothic Neo",
    "Malgun Gothic",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "UnDotum",
    "Baekmuk Gulim",
)
#: a font must have every glyph of this sample (Hangul syllables used by the lab's labels)
SAMPLE = "로그 그룹 상태 머신 실행 기록 전달됨 누락 리소스 정책 역할"
_FILE_HINT = re.compile(
    r"cjk|nanum|sourcehan|notosanskr|malgun|applesdgothic|undotum|baekmuk", re.I
)
_warned = False


class HangulFontWarning(UserWarning):
    """No installed font can draw Hangul: figures keep their English labels."""


@dataclass(frozen=True)
class HangulFont:
    """A font family that draws Hangul: its matplotlib ``name``, file and face in the file."""

    name: str
    path: str
    face_index: int = 0


def _ft2font(path: str, face_index: int):  # noqa: ANN202 - matplotlib.ft2font.FT2Font
    from matplotlib.ft2font import FT2Font

    try:
        return FT2Font(path, face_index=face_index)
    except TypeError:  # matplotlib < 3.10 reads the first face only
        return FT2Font(path)


def missing_glyphs(font: HangulFont, text: str = SAMPLE) -> list[str]:
    """The characters of ``text`` (spaces aside) that ``font`` has no glyph for."""
    face = _ft2font(font.path, font.face_index)
    return sorted({ch for ch in text if not ch.isspace() and face.get_char_index(ord(ch)) == 0})


def bundled_font_path() -> str | None:
    """NanumGothic from the ``koreanize-matplotlib`` distribution, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("koreanize_matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "fonts", "NanumGothic.ttf")
        if os.path.isfile(path):
            return path
    return None


def _candidates() -> list[HangulFont]:
    from matplotlib import font_manager

    bundled = bundled_font_path()
    if bundled is not None:
        # the family's other weights too: a bold title (700) would otherwise fall back to the
        # regular face with a "findfont: Failed to find font weight bold" line in the output
        folder = os.path.dirname(bundled)
        for name in sorted(os.listdir(folder)):
            if name.startswith("NanumGothic") and name.endswith(".ttf"):
                font_manager.fontManager.addfont(os.path.join(folder, name))
        name = font_manager.FontProperties(fname=bundled).get_name()
        return [HangulFont(name, bundled, 0)]
    entries = {}
    for entry in font_manager.fontManager.ttflist:
        if entry.name in PREFERRED and entry.style == "normal":
            entries.setdefault(entry.name, entry)
    if not entries:  # matplotlib's font cache may predate the font's installation
        for path in font_manager.findSystemFonts():
            if _FILE_HINT.search(os.path.basename(path)):
                try:
                    font_manager.fontManager.addfont(path)
                except Exception:  # noqa: BLE001, S112 - an unreadable font file is no candidate
                    continue
        for entry in font_manager.fontManager.ttflist:
            if entry.name in PREFERRED and entry.style == "normal":
                entries.setdefault(entry.name, entry)
    ranked = sorted(entries.values(), key=lambda e: PREFERRED.index(e.name))
    return [HangulFont(e.name, e.fname, int(getattr(e, "index", 0) or 0)) for e in ranked]


@functools.cache
def hangul_font() -> HangulFont | None:
    """The first installed font of :data:`PREFERRED` that has every glyph of :data:`SAMPLE`."""
    for font in _candidates():
        try:
            if not missing_glyphs(font):
                return font
        except (OSError, RuntimeError):
            continue
    return None


def configure(language: str | None = None) -> str:
    """Set matplotlib up to draw ``language``'s labels (default: the current language).

    Returns the language figures should use: ``language`` when its script can be drawn,
    else ``"en"`` (after a :class:`HangulFontWarning`, given once per process).
    """
    global _warned
    language = language or current_language()
    if language == "en":
        return "en"
    font = hangul_font()
    if font is None:
        if not _warned:
            _warned = True
            warnings.warn(
                HangulFontWarning(
                    _(
                        "No installed font can draw Hangul, so figures keep their English "
                        "labels (Korean labels would show as empty boxes). Install one, e.g. "
                        "`apt-get install fonts-noto-cjk` on Debian or Ubuntu, then restart "
                        "the kernel."
                    )
                ),
                stacklevel=2,
            )
        return "en"
    import matplotlib as mpl

    families = list(mpl.rcParams["font.family"])
    if font.name not in families:
        mpl.rcParams["font.family"] = [*families, font.name]
    return language


def figure_language() -> str:
    """The language figures are labelled in now: the current one if it can be drawn, else en."""
    return configure(current_language())
