"""The docs site, built as the README's docs command builds it, read as a reader reads it.

The site is built once per run, into a temporary folder, by the README's docs command (its
Sphinx step, unchanged flags, ``-W`` included) from ``docs/`` and the executed docs edition
``docs/lessons/*.ipynb``. Then:

* quick checks parse the HTML: a page per lesson, the landing page's question, phases,
  figure and lesson list, no raw widget reprs or tracebacks in any page's text, images
  that exist, the ipywidgets drawn from their stored state, launch links to learner
  notebooks that exist, nothing loaded from the network, a search index;
* a slow test opens EVERY page in headless Debian Chromium (``tests/browser_support.py``:
  skipped with the install line where Chromium is missing, failed instead under
  ``LABKIT_REQUIRE_BROWSER=1``) and checks what the browser shows: every image decoded
  (``naturalWidth > 0``), no raw repr or traceback in the text, no script error, no
  request leaving the machine, launch links to learner notebooks that exist, and that
  search finds the lessons. Screenshots go to ``artifacts/docs/`` (git-ignored).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from browser_support import launch_chromium, require_chromium
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS_LESSONS = REPO / "docs" / "lessons"
LEARNER_DIR = "notebooks"
SETUP = "python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt"
SPHINX_STEP = ".venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html"
ARTIFACTS = REPO / "artifacts" / "docs"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# What must never show on a page: a widget's or object's repr, a Python traceback.
FORBIDDEN = (
    "VBox(",
    "HBox(",
    "(children=",
    "IPY_MODEL_",
    "<labkit.",
    "object at 0x",
    "Traceback (most recent call last)",
    "-" * 75,
)
PHASES = (
    "Create the state machine",
    "Delete the resource policy and give the role",
    "Put the policy back",
)


def readme_docs_command() -> str:
    match = re.search(r"<!-- docs-command -->\s*```bash\n(.*?)\n```", README, flags=re.S)
    assert match, "README has no ```bash block after <!-- docs-command -->"
    lines = match.group(1).strip().splitlines()
    assert len(lines) == 1, f"the docs command must be one line, found {len(lines)}"
    return lines[0]


def lesson_stems() -> list[str]:
    return sorted(path.stem for path in DOCS_LESSONS.glob("*.ipynb"))


def learner_target(href: str) -> str | None:
    """The repository path a Binder or nbgitpuller link opens; None for any other link."""
    url = urlsplit(href)
    query = parse_qs(url.query)
    if url.netloc == "mybinder.org":
        return query.get("labpath", [None])[0]
    if url.path.endswith("/hub/user-redirect/git-pull"):
        folder = query["repo"][0].rstrip("/").split("/")[-1]
        urlpath = unquote(query["urlpath"][0]).split("?")[0]
        prefix = f"lab/tree/{folder}/"
        assert urlpath.startswith(prefix), f"{href}: urlpath does not start with {prefix}"
        return urlpath.removeprefix(prefix)
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built by the README's docs command's Sphinx step into a temporary folder."""
    assert lesson_stems(), "docs/lessons/ has no notebooks: generate the docs edition first"
    out = tmp_path_factory.mktemp("site") / "html"
    argv = shlex.split(readme_docs_command().removeprefix(SETUP + " && "))
    assert argv[0] == ".venv/bin/python" and argv[-1] == "docs/_build/html", argv
    argv = [sys.executable, *argv[1:-1], str(out)]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the docs build failed:\n{done.stdout[-3000:]}\n{done.stderr}"
    return out


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def visible_text(page: BeautifulSoup) -> str:
    """The page's text, without scripts, styles and code cells' source (code may name classes)."""
    for tag in page.select("script, style, template, .cell_input"):
        tag.decompose()
    return page.get_text(" ")


def widget_views(stem: str) -> list[str]:
    nb = json.loads((DOCS_LESSONS / f"{stem}.ipynb").read_text(encoding="utf-8"))
    return [
        out["data"][WIDGET_VIEW]["model_id"]
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
        if WIDGET_VIEW in out.get("data", {})
    ]


# -- the README and CI -----------------------------------------------------------------------


def test_readme_docs_command_is_what_ci_runs():
    command = readme_docs_command()
    assert command == f"{SETUP} && {SPHINX_STEP}"
    assert " -W " in command and "--keep-going" in command  # warnings are errors, all listed
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert f"DOCS_COMMAND='{command}'" in ci
    assert 'bash -c "$DOCS_COMMAND"' in ci
    assert "export LABKIT_REQUIRE_BROWSER=1" in ci


def test_the_build_output_is_git_ignored():
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "docs/_build/" in ignored


def test_learner_target_reads_the_readme_link_formats():
    binder = "https://mybinder.org/v2/gh/OWNER/labkit/main?labpath=notebooks%2F00_start_here.ipynb"
    hub = (
        "https://HUB.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com"
        "%2FOWNER%2Flabkit&branch=main&urlpath=lab%2Ftree%2Flabkit%2Fnotebooks%2F"
        "00_start_here.ipynb%3Fautodecode"
    )
    assert learner_target(binder) == learner_target(hub) == "notebooks/00_start_here.ipynb"
    assert learner_target("https://docs.aws.amazon.com/step-functions/") is None


# -- the built HTML, parsed ------------------------------------------------------------------


def test_every_docs_lesson_has_a_page(site):
    for stem in lesson_stems():
        assert (site / "lessons" / f"{stem}.html").is_file(), f"no page for lesson {stem}"
    assert (site / "index.html").is_file() and (site / "search.html").is_file()


def test_landing_page_asks_the_question_shows_the_phases_figure_and_lessons(site):
    page = soup(site / "index.html")
    text = " ".join(visible_text(soup(site / "index.html")).split())
    assert "Who actually writes your Step Functions logs?" in text
    assert "delivery.logs.amazonaws.com" in text
    for phase in PHASES:
        assert phase in text, f"the landing page does not name the phase {phase!r}"
    figures = [img for img in page.select("article img") if "timeline" in img["src"]]
    assert figures and figures[0].get("alt"), (
        "no timeline figure (with alt text) on the landing page"
    )
    linked = {a["href"] for a in page.select("article a.reference.internal")}
    for stem in lesson_stems():
        assert f"lessons/{stem}.html" in linked, f"the landing page does not list lesson {stem}"


def test_no_page_shows_a_raw_repr_or_a_traceback(site):
    for path in html_pages(site):
        text = visible_text(soup(path))
        shown = [bad for bad in FORBIDDEN if bad in text]
        assert not shown, f"{path.relative_to(site)} shows {shown}"


def test_every_image_is_a_file_of_the_site_or_inline_data(site):
    for path in html_pages(site):
        for img in soup(path).select("img"):
            src = img["src"]
            if src.startswith("data:image/"):
                assert len(src) > 100, f"{path.name}: an empty inline image"
                continue
            assert "://" not in src, f"{path.name}: image from elsewhere: {src}"
            target = (path.parent / src.split("?")[0]).resolve()
            assert target.is_file() and target.stat().st_size > 0, f"{path.name}: {src} missing"


def test_pages_load_nothing_from_the_network(site):
    for path in html_pages(site):
        page = soup(path)
        remote = [
            tag.get("src") or tag.get("href")
            for tag in page.select("script[src], link[href], img[src], iframe, source[src]")
            if tag.name != "link" or set(tag.get("rel", [])) & {"stylesheet", "preload", "icon"}
            if re.match(r"^(https?:)?//", tag.get("src") or tag.get("href") or "")
        ]
        assert not remote, f"{path.relative_to(site)} loads {remote}"


def test_widgets_are_drawn_from_the_stored_state(site):
    """Each widget output is a static picture holding the stored values; no placeholder left."""
    drawn_any = False
    for stem in lesson_stems():
        page = soup(site / "lessons" / f"{stem}.html")
        assert not page.select(f'script[type="{WIDGET_VIEW}"]'), f"{stem}: an undrawn widget"
        assert not page.select(f'script[type="{WIDGET_STATE}"]'), f"{stem}: raw widget state"
        views = widget_views(stem)
        drawn = page.select(".labkit-widget")
        assert [d["data-model-id"] for d in drawn] == views, f"{stem}: widgets drawn != stored"
        nb = json.loads((DOCS_LESSONS / f"{stem}.ipynb").read_text(encoding="utf-8"))
        state = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        for picture in drawn:
            text = " ".join(picture.get_text(" ").split())
            for model_id in _descendants(state, picture["data-model-id"]):
                model = state[model_id]["state"]
                if model.get("_model_name") in ("HTMLModel", "LabelModel") and model.get("value"):
                    value = BeautifulSoup(model["value"], "html.parser").get_text(" ")
                    assert " ".join(value.split()) in text, f"{stem}: {value!r} not drawn"
                if model.get("_model_name") == "DropdownModel":
                    label = model["_options_labels"][model.get("index") or 0]
                    selected = [o.get_text() for o in picture.select("option[selected]")]
                    assert label in selected, f"{stem}: dropdown value {label!r} not shown"
                if (
                    model.get("_model_name") == "RadioButtonsModel"
                    and model.get("index") is not None
                ):
                    label = model["_options_labels"][model["index"]]
                    checked = [
                        " ".join(i.parent.get_text().split())
                        for i in picture.select("input[type=radio][checked]")
                    ]
                    assert label in checked, f"{stem}: radio choice {label!r} not shown"
                for out in model.get("outputs", []):
                    if out.get("output_type") == "stream":
                        stream = " ".join("".join(out["text"]).split())
                        assert stream in text, f"{stem}: output {stream[:60]!r} not drawn"
            drawn_any = True
    if any(widget_views(stem) for stem in lesson_stems()):
        assert drawn_any


def _descendants(state: dict, model_id: str) -> list[str]:
    """``model_id`` and every model it shows (children and Output widgets' views)."""
    found, todo = [], [model_id]
    while todo:
        current = todo.pop()
        if current in found or current not in state:
            continue
        found.append(current)
        model = state[current]["state"]
        todo += [ref.removeprefix("IPY_MODEL_") for ref in model.get("children", [])]
        for out in model.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view:
                todo.append(view["model_id"])
    return found


def test_every_lesson_launches_its_learner_notebook(site):
    for stem in lesson_stems():
        page = soup(site / "lessons" / f"{stem}.html")
        targets: dict[str, set[str]] = {"binder": set(), "jupyterhub": set()}
        for link in page.select("a[href]"):
            target = learner_target(link["href"])
            if target is not None:
                kind = "binder" if "mybinder.org" in link["href"] else "jupyterhub"
                targets[kind].add(target)
        wanted = f"{LEARNER_DIR}/{stem}.ipynb"
        for kind, found in targets.items():
            assert found == {wanted}, f"{stem}: {kind} links open {found or 'nothing'}"
        assert (REPO / wanted).is_file(), f"{stem}: the learner notebook {wanted} does not exist"
        box = page.select_one(".labkit-launch")
        assert box and {a["data-launch"] for a in box.select("a")} == {"binder", "jupyterhub"}


def test_search_index_covers_every_lesson(site):
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    for stem in lesson_stems():
        assert f'"lessons/{stem}"' in index, f"lesson {stem} is not in the search index"
    assert soup(site / "search.html").select_one("#search-results") is not None


# -- the site in a real browser --------------------------------------------------------------

IMAGES_JS = """async () => {
    const images = [...document.images];
    for (const image of images) {
        image.loading = 'eager';
        try { await image.decode(); } catch (error) { /* reported below */ }
    }
    return images.map(i => ({src: (i.getAttribute('src') || '').slice(0, 80),
                             ok: i.complete && i.naturalWidth > 0}));
}"""
TEXT_JS = """() => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll('script, style, template, .cell_input').forEach(e => e.remove());
    return copy.textContent;
}"""


@pytest.mark.slow
@pytest.mark.browser  # the root conftest's gate, where it has one; require_chromium() too
@pytest.mark.timeout(600)
def test_every_page_in_chromium(site):
    require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    remote: list[str] = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 1300, "height": 1000})

        def refuse(route):  # the site must work with no network at all
            remote.append(route.request.url)
            route.abort()

        context.route(re.compile(r"^(https?|wss?)://"), refuse)
        for path in html_pages(site):
            name = str(path.relative_to(site))
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
            page.goto(path.as_uri(), wait_until="load")
            problems += [
                f"{name}: image not shown: {i['src']}"
                for i in page.evaluate(IMAGES_JS)
                if not i["ok"]
            ]
            text = page.evaluate(TEXT_JS)
            problems += [f"{name}: shows {bad!r}" for bad in FORBIDDEN if bad in text]
            problems += [f"{name}: script error: {e}" for e in errors]
            for picture in page.locator(".labkit-widget").all():
                box = picture.bounding_box()
                if not box or box["height"] < 20:
                    problems.append(f"{name}: a widget picture is not visible")
            if name.startswith("lessons/"):
                # lessons/ko/NN.html (the Korean edition) opens notebooks/ko/NN.ipynb
                notebook = path.relative_to(site / "lessons").with_suffix(".ipynb").as_posix()
                hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
                targets = {t for t in map(learner_target, hrefs) if t is not None}
                if targets != {f"{LEARNER_DIR}/{notebook}"}:
                    problems.append(f"{name}: launch links open {targets or 'nothing'}")
                problems += [
                    f"{name}: {t} does not exist" for t in targets if not (REPO / t).is_file()
                ]
                visible = page.locator(".labkit-launch a[data-launch]")
                if visible.count() != 2 or not visible.first.is_visible():
                    problems.append(f"{name}: the launch box is not shown")
            page.screenshot(path=str(ARTIFACTS / f"{name.replace('/', '_')}.png"))
            page.close()

        # search works offline: the built-in search finds a lesson
        page = context.new_page()
        page.goto((site / "search.html").as_uri() + "?q=resource+policy", wait_until="load")
        results = page.locator("#search-results li")
        try:
            results.first.wait_for(timeout=30_000)
        except Exception:  # noqa: BLE001 (reported as a finding)
            problems.append("search.html: no result for 'resource policy'")
        else:
            found = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
            if not any("/lessons/" in href for href in found):
                problems.append(f"search.html: no lesson among the results {found[:5]}")
        page.screenshot(path=str(ARTIFACTS / "search.png"))
        browser.close()
    assert not remote, f"pages asked the network for {sorted(set(remote))[:10]}"
    assert not problems, "\n".join(problems)


def test_a_broken_docs_edition_fails_the_build(tmp_path):
    """A widget missing from the stored state, or a lesson without a learner notebook, is an
    error under the README's ``-W``: the site never shows an empty widget or a dead link."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("conf.py", "_ext", "_static"):
        source = REPO / "docs" / name
        if source.is_dir():
            shutil.copytree(source, docs / name)
        else:
            shutil.copy(source, docs / name)
    (docs / "index.md").write_text("# Test\n\n```{toctree}\n:glob:\n\nlessons/*\n```\n")
    view = {"model_id": "0" * 32, "version_major": 2, "version_minor": 0}
    notebook = {
        "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# A lesson"},
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "b",
                "metadata": {},
                "source": "panel",
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {WIDGET_VIEW: view, "text/plain": "VBox(children=())"},
                    }
                ],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (docs / "lessons").mkdir()
    (docs / "lessons" / "99_broken.ipynb").write_text(json.dumps(notebook))
    argv = shlex.split(SPHINX_STEP)[1:-2]  # "-m sphinx -W --keep-going -b html"
    done = subprocess.run(
        [sys.executable, *argv, str(docs), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "is not in the notebook's stored widget state" in done.stderr
    assert "has no learner notebook notebooks/99_broken.ipynb" in done.stderr


# -- the Korean section ----------------------------------------------------------------------


def test_every_korean_lesson_has_a_page_that_launches_its_korean_learner_notebook(site):
    stems = sorted(path.stem for path in (DOCS_LESSONS / "ko").glob("*.ipynb"))
    assert stems == lesson_stems(), "docs/lessons/ko/ must hold every lesson"
    for stem in stems:
        page = soup(site / "lessons" / "ko" / f"{stem}.html")
        links = page.select("a.labkit-launch-link")
        assert {link["data-launch"] for link in links} == {"binder", "jupyterhub"}, stem
        for link in links:
            wanted = f"{LEARNER_DIR}/ko/{stem}.ipynb"
            assert learner_target(link["href"]) == wanted, (stem, link["href"])
            assert (REPO / wanted).is_file(), wanted
        assert page.select_one(".labkit-launch").get("lang") == "ko"


def test_korean_index_lists_the_korean_lessons_cheat_sheet_notes_and_glossary(site):
    page = soup(site / "ko" / "index.html")
    linked = {a.get("href", "").split("#")[0] for a in page.select("a")}
    for stem in lesson_stems():
        assert f"../lessons/ko/{stem}.html" in linked, stem
    assert "cheatsheet.html" in linked and "../glossary.html" in linked
    assert "instructors.html" in linked
    assert "ko/index.html" in {a.get("href", "") for a in soup(site / "index.html").select("a")}


@pytest.mark.parametrize(
    ("page", "other", "label"),
    [
        ("index.html", "ko/index.html", "한국어"),
        ("ko/index.html", "../index.html", "English"),
        ("lessons/02_policy_lab.html", "ko/02_policy_lab.html", "한국어"),
        ("lessons/ko/02_policy_lab.html", "../02_policy_lab.html", "English"),
        ("cheatsheet.html", "ko/cheatsheet.html", "한국어"),
        ("ko/cheatsheet.html", "../cheatsheet.html", "English"),
        ("instructors.html", "ko/instructors.html", "한국어"),
        ("ko/instructors.html", "../instructors.html", "English"),
        ("workshop-hub.html", "ko/index.html", "한국어"),  # no Korean twin: the Korean home
    ],
)
def test_every_page_links_to_the_other_language(site, page, other, label):
    switch = soup(site / page).select_one(".labkit-language-switch a")
    assert switch is not None, f"{page} has no language switch"
    assert (switch["href"], switch.get_text(strip=True)) == (other, label)
    assert (site / page).parent.joinpath(other).resolve().is_file()
    html_lang = soup(site / page).html.get("lang")
    assert html_lang == ("ko" if label == "English" else "en"), (page, html_lang)


def test_every_html_page_has_a_language_switch(site):
    missing = [
        str(p.relative_to(site))
        for p in html_pages(site)
        if p.name not in ("genindex.html", "search.html")
        and soup(p).select_one(".labkit-language-switch a") is None
    ]
    assert not missing, missing


def _header_tooltips(page) -> list[str]:
    """The tooltips and labels of the article's header buttons (launch and download menus)."""
    found = []
    for element in page.select(
        ".article-header-buttons [title], .article-header-buttons [aria-label]"
    ):
        found += [element.get("title"), element.get("aria-label")]
    return [text for text in found if text]


@pytest.mark.parametrize(
    ("page", "wanted", "unwanted"),
    [
        (
            "lessons/ko/02_policy_lab.html",
            {
                "이 레슨 직접 실행하기(학습자용 노트북)",
                "Binder에서 학습자용 노트북 열기",
                "JupyterHub에서 학습자용 노트북 열기",
                "이 페이지 다운로드",
                "소스 파일 다운로드",
                "전체 화면 모드",
            },
            {"Run this lesson (learner notebook)", "Download this page", "Fullscreen mode"},
        ),
        (
            "ko/instructors.html",
            {"이 페이지 다운로드", "소스 저장소"},
            {"Download this page", "Source repository"},
        ),
        (
            "lessons/02_policy_lab.html",
            {
                "Run this lesson (learner notebook)",
                "Open the learner notebook on Binder",
                "Download this page",
            },
            {"이 레슨 직접 실행하기(학습자용 노트북)", "이 페이지 다운로드"},
        ),
    ],
)
def test_header_menus_speak_the_language_of_the_page(site, page, wanted, unwanted):
    """The launch menu is labkit's own; the theme's download, full-screen and repository
    buttons are translated on Korean pages (docs/_ext/language_switch.py)."""
    tooltips = set(_header_tooltips(soup(site / page)))
    assert wanted <= tooltips, wanted - tooltips
    assert not unwanted & tooltips, unwanted & tooltips


def test_the_korean_instructor_notes_are_korean_and_match_the_english_sections(site):
    korean = soup(site / "ko" / "instructors.html").select_one("article")
    english = soup(site / "instructors.html").select_one("article")
    text = korean.get_text(" ", strip=True)
    assert len(re.findall(r"[\uac00-\ud7a3]", text)) > 2000
    # the same sections, and the same lesson table, as the English notes
    assert len(korean.select("h2")) == len(english.select("h2"))
    assert len(korean.select("table tr")) == len(english.select("table tr"))
    # API names stay English; lesson rows open the Korean lessons
    for name in ("UpdateStateMachine", "AdministratorAccess", "delivery.logs.amazonaws.com"):
        assert name in text, name
    hrefs = {a.get("href", "").split("#")[0] for a in korean.select("table a")}
    assert {f"../lessons/ko/{stem}.html" for stem in lesson_stems()} <= hrefs


def _chrome_words(page) -> set[str]:
    """Every tooltip, label and short text of a page outside its article: the theme's words."""
    article = page.select_one("article.bd-article")
    if article is not None:
        article.decompose()
    words = {
        element.get(name)
        for element in page.find_all(True)
        for name in ("title", "aria-label", "placeholder")
        if element.get(name)
    }
    words |= {text.strip() for text in page.find_all(string=True) if text.strip()}
    return words


@pytest.mark.parametrize(
    ("page", "korean"),
    [("lessons/ko/02_policy_lab.html", True), ("ko/index.html", True), ("index.html", False)],
)
def test_the_theme_speaks_the_language_of_the_page(site, page, korean):
    """Search, colour mode, previous/next and the page contents are in Korean on Korean
    pages: the site is built once, in English, and language_switch gives each Korean page
    Korean template words; English pages keep the theme's English."""
    words = _chrome_words(soup(site / page))
    pairs = {"검색...": "Search...", "색상 모드": "Color mode", "이 페이지의 내용": "On this page"}
    if page != "index.html" and page != "ko/index.html":
        pairs["이전 페이지"] = "previous page"
    for ko, en in pairs.items():
        assert (ko in words, en in words) == (korean, not korean), (page, ko, en)
