"""A link on every page to the same page in the other language (English ↔ 한국어).

The Korean pages live beside the English ones under a ``ko`` folder: ``ko/index`` for
``index``, ``ko/cheatsheet`` for ``cheatsheet``, and the Korean docs edition
``lessons/ko/NN_name`` for ``lessons/NN_name`` (``scripts/editions.py`` builds both from
``lessons/`` and ``lessons/ko/``). :func:`counterpart` maps a page to its twin; a page without
one (the bilingual glossary, the English-only instructor notes) links to the other language's
home page. The link is a small bar at the top of the page body, so it shows in every theme
and without JavaScript; Korean pages also get ``<html lang="ko">``.
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


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", add_switch)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
