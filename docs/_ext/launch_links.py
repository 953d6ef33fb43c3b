"""Launch links on each lesson page: Binder and a JupyterHub (nbgitpuller), to the LEARNER edition.

A lesson page shows the executed docs edition ``docs/lessons/NN_name.ipynb``; the links
open its blank twin ``notebooks/NN_name.ipynb``, which the README's lab command, the
Binder badge and the workshop link open too. The links appear twice, built by one
function: in a box under the lesson's title, and in the theme's "launch" menu.

sphinx-book-theme's own launch buttons cannot do this: they open the page's source file
(``path_to_docs`` + the page name), i.e. the executed notebook with every answer stored.

Config values (``docs/conf.py``): ``labkit_repository`` ("OWNER/labkit" on GitHub),
``labkit_branch``, ``labkit_jupyterhub_url`` (or ``LABKIT_JUPYTERHUB_URL`` at build time) and
``labkit_learner_dir``. The link formats
are those of the README: ``https://mybinder.org/v2/gh/OWNER/REPO/BRANCH?labpath=PATH`` and
nbgitpuller's ``HUB/hub/user-redirect/git-pull?repo=...&branch=...&urlpath=...``, whose
``urlpath`` starts with the clone's folder (the repository name) and ends in
``?autodecode``. A lesson whose learner notebook is missing is a build warning (an error
under ``-W``), so the site never links to a notebook that does not exist.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
LESSONS_PREFIX = "lessons/"
BINDER_URL = "https://mybinder.org"
PLACEHOLDER_HUB = "HUB.example.org"


#: The launch menu's tooltips, in the language of the page (a Korean lesson: ``lessons/ko/``).
MENU_WORDS = {
    "en": {
        "menu": "Run this lesson (learner notebook)",
        "open": "Open the learner notebook on {where}",
    },
    "ko": {
        "menu": "이 레슨 직접 실행하기(학습자용 노트북)",
        "open": "{where}에서 학습자용 노트북 열기",
    },
}


def is_lesson(docname: str) -> bool:
    return docname.startswith(LESSONS_PREFIX)


def _language(docname: str) -> str:
    """``lessons/ko/NN_name`` (the Korean docs edition) -> ``ko``; other lessons ``en``."""
    return "ko" if docname.startswith(LESSONS_PREFIX + "ko/") else "en"


def learner_path(app: Sphinx, docname: str) -> str:
    """The learner notebook of lesson page ``docname``, relative to the repository root.

    ``lessons/ko/NN_name`` (a Korean lesson) opens ``notebooks/ko/NN_name.ipynb``.
    """
    stem = docname.removeprefix(LESSONS_PREFIX)
    return f"{app.config.labkit_learner_dir.strip('/')}/{stem}.ipynb"


def launch_urls(app: Sphinx, notebook: str) -> dict[str, str]:
    """{"binder": url, "jupyterhub": url} opening ``notebook`` (a path in the repository)."""
    repository = app.config.labkit_repository.strip("/")
    branch = app.config.labkit_branch
    folder = repository.split("/")[-1]  # nbgitpuller clones into a folder of this name
    binder = f"{BINDER_URL}/v2/gh/{repository}/{branch}?labpath={quote(notebook, safe='')}"
    hub = app.config.labkit_jupyterhub_url.rstrip("/")
    repo_url = quote(f"https://github.com/{repository}", safe="")
    urlpath = quote(f"lab/tree/{folder}/{notebook}?autodecode", safe="")
    jupyterhub = (
        f"{hub}/hub/user-redirect/git-pull?repo={repo_url}&branch={quote(branch)}&urlpath={urlpath}"
    )
    return {"binder": binder, "jupyterhub": jupyterhub}


def _launch_box(urls: dict[str, str], notebook: str, hub: str, language: str = "en") -> str:
    path = html.escape(notebook)
    binder = html.escape(urls["binder"])
    jupyterhub = html.escape(urls["jupyterhub"])
    placeholder = PLACEHOLDER_HUB in hub
    if language == "ko":
        if placeholder:
            where = (
                f"(nbgitpuller. <code>{PLACEHOLDER_HUB}</code>는 여러분의 허브를 뜻합니다: 실제 "
                "주소는 강사가 알려 줍니다)"
            )
        else:
            where = "(nbgitpuller: 레슨을 허브의 여러분 폴더로 복사합니다)"
        return (
            '<div class="labkit-launch admonition tip" lang="ko">'
            '<p class="admonition-title">이 레슨을 직접 실행하기</p>'
            "<p>이 페이지는 출력까지 포함해 레슨이 실행된 모습 그대로입니다. 직접 예측하고 "
            f"실행하려면 빈 학습자용 노트북 <code>{path}</code>을 여십시오: "
            f'<a class="labkit-launch-link" data-launch="binder" href="{binder}">'
            "Binder에서</a>(공개, 임시, 계정 불필요) 또는 "
            f'<a class="labkit-launch-link" data-launch="jupyterhub" href="{jupyterhub}">'
            f"워크숍의 JupyterHub에서</a> {where}.</p></div>"
        )
    if placeholder:
        where = (
            f"(nbgitpuller; <code>{PLACEHOLDER_HUB}</code> stands for your hub: your "
            "instructor gives the real address)"
        )
    else:
        where = "(nbgitpuller: it copies the lessons into your folder on the hub)"
    return (
        '<div class="labkit-launch admonition tip">'
        '<p class="admonition-title">Run this lesson yourself</p>'
        "<p>This page is the lesson as it ran, outputs included. To predict and run it "
        f"yourself, open the blank learner notebook <code>{path}</code>: "
        f'<a class="labkit-launch-link" data-launch="binder" href="{binder}">'
        "on Binder</a> (public, temporary, no account needed) or "
        f'<a class="labkit-launch-link" data-launch="jupyterhub" '
        f'href="{jupyterhub}">on your workshop\'s JupyterHub</a> '
        f"{where}.</p></div>"
    )


def add_launch_box(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: put the launch box right under a lesson's title."""
    docname = app.env.docname
    if not is_lesson(docname):
        return
    notebook = learner_path(app, docname)
    repo_root = Path(app.confdir).parent
    if not (repo_root / notebook).is_file():
        LOGGER.warning(
            "lesson page %s has no learner notebook %s: its launch links would be broken",
            docname,
            notebook,
            location=docname,
        )
    urls = launch_urls(app, notebook)
    box = nodes.raw(
        "",
        _launch_box(urls, notebook, app.config.labkit_jupyterhub_url, _language(docname)),
        format="html",
    )
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, box)
    else:
        doctree.insert(0, box)


def add_header_buttons(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    """``html-page-context``: the same links in sphinx-book-theme's launch menu."""
    if not is_lesson(pagename) or "header_buttons" not in context:
        return
    urls = launch_urls(app, learner_path(app, pagename))
    words = MENU_WORDS[_language(pagename)]
    buttons = [
        {
            "type": "link",
            "text": text,
            "tooltip": words["open"].format(where=text),
            "icon": f"_static/images/logo_{key}.svg",  # the theme's own logos
            "url": urls[key],
            "label": f"labkit-launch-{key}",
        }
        for key, text in (("binder", "Binder"), ("jupyterhub", "JupyterHub"))
    ]
    context["header_buttons"].append(
        {
            "type": "group",
            "tooltip": words["menu"],
            "icon": "fas fa-rocket",
            "buttons": buttons,
            "label": "launch-buttons",
        }
    )


def setup(app: Sphinx) -> dict:
    app.add_config_value("labkit_repository", "OWNER/labkit", "html", types=[str])
    app.add_config_value("labkit_branch", "main", "html", types=[str])
    app.add_config_value("labkit_jupyterhub_url", "https://HUB.example.org", "html", types=[str])
    app.add_config_value("labkit_learner_dir", "notebooks", "html", types=[str])
    app.connect("doctree-read", add_launch_box)
    # after sphinx-book-theme fills its header buttons (priority 501)
    app.connect("html-page-context", add_header_buttons, priority=502)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
