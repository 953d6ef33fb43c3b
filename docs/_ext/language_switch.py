"""A link on every page to the same page in the other language (English ↔ 한국어).

The Korean pages live beside the English ones under a ``ko`` folder: ``ko/index`` for
``index``, ``ko/cheatsheet`` for ``cheatsheet``, ``ko/instructors`` for ``instructors``, and
the Korean docs edition ``lessons/ko/NN_name`` for ``lessons/NN_name``
(``scripts/editions.py`` builds both from ``lessons/`` and ``lessons/ko/``).
:func:`counterpart` maps a page to its twin; a page without one (the bilingual glossary, the
English-only workshop-hub guide) links to the other language's home page. The link is a small
bar at the top of the page body, so it shows in every theme and without JavaScript; Korean
pages also get ``<html lang="ko">``.
"""

from __future__ import annotations

import html

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
#: The launch menu is launch_links' own (``MENU_WORDS``). Words the theme draws in its HTML
#: templates (colour mode, search, sidebar toggles) are not in the page context and stay as
#: the theme has them.
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


def translate_header_buttons(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    """``html-page-context``, after the theme fills ``header_buttons``: Korean tooltips on
    Korean pages."""
    if language_of(pagename) == KOREAN and isinstance(context.get("header_buttons"), list):
        _translate_buttons(context["header_buttons"])


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", add_switch)
    # after sphinx-book-theme (priority 501) and launch_links (502) fill the header buttons
    app.connect("html-page-context", translate_header_buttons, priority=503)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
