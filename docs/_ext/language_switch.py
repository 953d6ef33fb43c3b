"""A link on every page to the same page in the other language (English ↔ 한국어).

The Korean pages live beside the English ones under a ``ko`` folder: ``ko/index`` for
``index``, ``ko/cheatsheet`` for ``cheatsheet``, ``ko/instructors`` for ``instructors``, and
the Korean docs edition ``lessons/ko/NN_name`` for ``lessons/NN_name``
(``scripts/editions.py`` builds both from ``lessons/`` and ``lessons/ko/``).
:func:`counterpart` maps a page to its twin; a page without one (the bilingual glossary, the
English-only workshop-hub guide) links to the other language's home page. The link is a small
bar at the top of the page body, so it shows in every theme and without JavaScript; Korean
pages also get ``<html lang="ko">`` and the theme's own words (menus, search, previous/next)
in Korean (:func:`translate_chrome`).
"""

from __future__ import annotations

import functools
import gettext
import html
from pathlib import Path

import sphinx
from sphinx.application import Sphinx

KOREAN = "ko"


def language_of(docname: str) -> str:
    parts = docname.split("/")
    return KOREAN if KOREAN in parts[:-1] else "en"


def counterpart(docname: str) -> str:
    """The same page in the other language (it may not exist)."""
    parts = docname.split("/")
    if KOREAN in parts[:-1]:
        parts.remove(KOREAN)
        return "/".join(parts)
    if parts[0] == "lessons":
        return "/".join(["lessons", KOREAN, *parts[1:]])
    return "/".join([KOREAN, *parts])


def add_switch(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    """``html-page-context``: prepend the switch to the page body."""
    if doctree is None or "body" not in context:
        return
    target = counterpart(pagename)
    language = language_of(pagename)
    if target not in app.env.found_docs:
        target = "index" if language == KOREAN else f"{KOREAN}/index"
    url = context["pathto"](target)
    if language == KOREAN:
        context["language"] = KOREAN  # the theme's <html lang="...">: screen readers, fonts
        text, lang = "English version of this page", "en"
        label = "English"
    else:
        text, lang = "이 페이지의 한국어판", "ko"
        label = "한국어"
    context["body"] = (
        f'<div class="labkit-language-switch" lang="{lang}">'
        f'<a href="{html.escape(url)}" hreflang="{lang}" title="{html.escape(text)}">'
        f"{html.escape(label)}</a></div>" + context["body"]
    )


#: The theme's header buttons (download, full screen, repository) in Korean, for Korean pages.
#: sphinx-book-theme translates them only when the whole site is built in one language
#: (``language``), and this site has both; its Korean catalog also lacks some of them.
#: The launch menu is launch_links' own (``MENU_WORDS``).
HEADER_WORDS_KO = {
    "Source repository": "소스 저장소",
    "Source repositories": "소스 저장소",
    "Repository": "저장소",
    "Open an issue": "이슈 열기",
    "Open issue": "이슈 열기",
    "Suggest edit": "수정 제안",
    "Show source": "소스 보기",
    "Download this page": "이 페이지 다운로드",
    "Download source file": "소스 파일 다운로드",
    "Download notebook file": "노트북 파일 다운로드",
    "Print to PDF": "PDF로 인쇄",
    "Fullscreen mode": "전체 화면 모드",
}


def _translate_buttons(buttons: list) -> None:
    for button in buttons:
        for key in ("tooltip", "text"):
            text = button.get(key)
            if isinstance(text, str) and text in HEADER_WORDS_KO:
                button[key] = HEADER_WORDS_KO[text]
        _translate_buttons(button.get("buttons", []))


#: The page furniture the theme's templates write with ``_()`` (colour mode, search, sidebar,
#: previous/next). pydata-sphinx-theme ships no Korean catalog; Sphinx's own Korean catalog
#: (:func:`_sphinx_korean`) answers what is not here. Words a template writes without ``_()``
#: (the sidebar toggles' "Toggle primary sidebar") stay as the theme has them.
CHROME_WORDS_KO = {
    "Search": "검색",
    "Search...": "검색...",
    "Color mode": "색상 모드",
    "Light": "밝게",
    "Dark": "어둡게",
    "System Settings": "시스템 설정",
    "Back to top": "맨 위로",
    "Skip to main content": "본문으로 건너뛰기",
    "On this page": "이 페이지의 내용",
    "Contents": "목차",
    "Section Navigation": "섹션 탐색",
    "Site navigation": "사이트 탐색",
    "previous page": "이전 페이지",
    "next page": "다음 페이지",
    "previous": "이전",
    "next": "다음",
    "Expand Sidebar": "사이드바 펼치기",
    "Collapse Sidebar": "사이드바 접기",
}


@functools.cache
def _sphinx_korean() -> gettext.NullTranslations:
    locale = Path(sphinx.__file__).resolve().parent / "locale"
    return gettext.translation("sphinx", localedir=str(locale), languages=[KOREAN], fallback=True)


def korean_gettext(message: str) -> str:
    """What a theme template's ``_()`` (or the book theme's ``translate()``) says on a Korean
    page: the words above, else Sphinx's Korean, else the English."""
    words = CHROME_WORDS_KO.get(message) or HEADER_WORDS_KO.get(message)
    return words or _sphinx_korean().gettext(message)


def korean_ngettext(singular: str, plural: str, n: int) -> str:
    return _sphinx_korean().ngettext(singular, plural, n)


def translate_chrome(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    """``html-page-context``: a Korean page's templates translate with Korean words.

    The site is built once, in English (``language = "en"``), so the templates' ``_`` is the
    English one; a name in the page's context is found before the template globals, so
    ``_``/``gettext``/``ngettext`` (and the book theme's ``translate``) in the context make
    Jinja's ``_()`` and ``{% trans %}`` Korean on this page only.
    """
    if language_of(pagename) != KOREAN:
        return
    context["_"] = context["gettext"] = context["translate"] = korean_gettext
    context["ngettext"] = korean_ngettext
    # words the theme puts in the context itself (its theme.conf and its own handler)
    context["theme_toc_title"] = korean_gettext("Contents")
    context["theme_search_bar_text"] = korean_gettext("Search...")
    if isinstance(context.get("header_buttons"), list):
        _translate_buttons(context["header_buttons"])


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", add_switch)
    # after sphinx-book-theme (priority 501) and launch_links (502) fill the header buttons
    app.connect("html-page-context", translate_chrome, priority=503)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
