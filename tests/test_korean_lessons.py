"""The Korean edition: one source of code per lesson, Korean prose, Korean kernels.

``lessons/ko/NN_name.md`` is the translation of ``lessons/NN_name.md``. Its code cells must be
the English ones with comments aside (same code, same cell tags, same order), so the two
editions cannot drift; ``python scripts/editions.py --sync-ko-code`` copies the English code
back after the English lessons change (tested here on copies).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _editions():
    spec = importlib.util.spec_from_file_location("editions_ko", REPO / "scripts" / "editions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


editions = _editions()
ENGLISH = editions.lesson_sources()
KOREAN = editions.lesson_sources(language="ko")


def test_every_lesson_has_a_korean_source_with_the_same_name():
    assert len(ENGLISH) == 8
    assert [p.name for p in KOREAN] == [p.name for p in ENGLISH]


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_korean_code_cells_are_the_english_ones_with_comments_aside(english):
    korean = REPO / "lessons" / "ko" / english.name
    ko_cells, en_cells = editions.code_cells(korean), editions.code_cells(english)
    assert len(ko_cells) == len(en_cells), "add or remove the same cells in both sources"
    for index, (ko, en) in enumerate(zip(ko_cells, en_cells, strict=True)):
        assert ko == en, (
            f"code cell {index} of {korean.name} differs from the English source "
            "(comments aside): run `python scripts/editions.py --sync-ko-code`"
        )


@pytest.mark.parametrize("korean", KOREAN, ids=lambda p: p.stem)
def test_korean_prose_is_korean(korean):
    nb = editions.read_source(korean)
    prose = [c.source for c in nb.cells if c.cell_type == "markdown" and c.source.strip()]
    text = re.sub(r"`[^`]*`|\([^)]*\)|<[^>]+>", "", "\n".join(prose))
    assert len(HANGUL.findall(text)) > 400
    # every heading of a substantial prose cell is in Korean, not left in English
    headings = [line for line in "\n".join(prose).splitlines() if line.startswith("#")]
    assert all(HANGUL.search(h) for h in headings), [h for h in headings if not HANGUL.search(h)]


def test_comment_stripping_keeps_strings_and_drops_comments():
    source = 'x = "a # not a comment"  # 주석\n# 한 줄 주석\n\ny = 1\n'
    assert editions.code_without_comments(source) == 'x = "a # not a comment"\ny = 1'
    assert editions.code_without_comments("%%timeit\nx = 1  # c") == "%%timeit\nx = 1"


def test_the_comparison_catches_changed_code():
    a = "mine = ...  # your turn"
    assert editions.code_without_comments(a) == editions.code_without_comments("mine = ...  # 차례")
    assert editions.code_without_comments(a) != editions.code_without_comments(
        "mine = None  # 차례"
    )


def test_sync_copies_english_code_and_keeps_korean_comments(tmp_path, monkeypatch):
    en_dir, ko_dir = tmp_path / "lessons", tmp_path / "lessons" / "ko"
    ko_dir.mkdir(parents=True)
    head = "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n"
    english = (
        head + "# Title\n\n```{code-cell} ipython3\n# Create the role\nrole = make(1)  # the role\n"
        "extra = 2  # new line\n```\n\nText.\n\n```{code-cell} ipython3\n:tags: [exercise]\n\n"
        "x = ...  # your turn\n```\n"
    )
    korean = (
        head
        + "# 제목\n\n```{code-cell} ipython3\n# 역할을 만듭니다\nrole = make(0)  # 역할\n```\n\n"
        "본문.\n\n```{code-cell} ipython3\n:tags: [exercise]\n\nx = ...  # 여러분 차례\n```\n"
    )
    (en_dir / "01_x.md").write_text(english, encoding="utf-8")
    (ko_dir / "01_x.md").write_text(korean, encoding="utf-8")
    monkeypatch.setattr(editions, "REPO", tmp_path)
    monkeypatch.setattr(editions, "LESSONS", en_dir)
    report = editions.sync_korean_code()
    assert report == ["SYNCED lessons/ko/01_x.md: 1 code cell(s) updated"]
    synced = (ko_dir / "01_x.md").read_text(encoding="utf-8")
    assert "# 역할을 만듭니다\nrole = make(1)  # 역할\nextra = 2  # new line\n" in synced
    assert "# 제목" in synced and "본문." in synced and "x = ...  # 여러분 차례" in synced
    assert editions.code_cells(ko_dir / "01_x.md") == editions.code_cells(en_dir / "01_x.md")
    assert editions.sync_korean_code() == []  # in sync now: nothing to do
    # a cell added in English is not guessed into the Korean prose: reported, nothing written
    (en_dir / "01_x.md").write_text(english + "\n```{code-cell} ipython3\nz = 3\n```\n", "utf-8")
    assert editions.sync_korean_code()[0].startswith("CELLS lessons/ko/01_x.md: 3 English")
    assert (ko_dir / "01_x.md").read_text(encoding="utf-8") == synced


def test_korean_kernels_speak_korean_and_english_ones_do_not():
    assert editions.kernel_env("ko")["LABKIT_LANG"] == "ko"
    assert "LABKIT_LANG" not in editions.kernel_env("en")
    env = {"LABKIT_LANG": "ko", "JPY_SESSION_NAME": "notebooks/ko/x.ipynb"}
    editions.apply_kernel_env(env, language="en")
    assert "LABKIT_LANG" not in env and "JPY_SESSION_NAME" not in env
    editions.apply_kernel_env(env, language="ko")
    assert env["LABKIT_LANG"] == "ko" and env["LABKIT_MODE"] == "offline"


def test_conftest_gives_korean_docs_notebooks_a_korean_kernel():
    import conftest

    class Item:
        def __init__(self, path):
            self.path = path

    lessons = REPO / "docs" / "lessons"
    assert conftest._lesson_language(Item(lessons / "ko" / "01_the_article.ipynb")) == "ko"
    assert conftest._lesson_language(Item(lessons / "01_the_article.ipynb")) == "en"
    assert conftest._lesson_language(Item(REPO / "tests" / "test_lab.py")) is None


def test_both_editions_have_the_same_notebooks():
    for folder in ("notebooks", "docs/lessons"):
        english = sorted(p.name for p in (REPO / folder).glob("*.ipynb"))
        korean = sorted(p.name for p in (REPO / folder / "ko").glob("*.ipynb"))
        assert korean == english == [p.with_suffix(".ipynb").name for p in ENGLISH], folder


def test_korean_learner_edition_reveals_in_korean():
    nb = nbformat.read(REPO / "notebooks" / "ko" / "01_the_article.ipynb", as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert any("<summary>해답 보기</summary>" in s for s in sources)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_the_korean_readme_lab_command_opens_a_korean_notebook_that_exists():
    text = (REPO / "README.ko.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- lab-command -->\s*```bash\n(.*?)\n```", text, flags=re.S)
    assert match
    target = match.group(1).split()[-1]
    assert target == "notebooks/ko/00_start_here.ipynb"
    assert (REPO / target).is_file()


def test_korean_docs_edition_speaks_korean_and_keeps_aws_english():
    nb = nbformat.read(REPO / "docs" / "lessons" / "ko" / "02_policy_lab.ipynb", as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    joined = "\n".join(texts)
    assert "실행 SUCCEEDED · 이벤트 20개 중 0개 전달됨" in joined
    assert "AccessDeniedException: The state machine IAM Role is not authorized" in joined


def _output_text(path: Path) -> str:
    """Every text a stored notebook shows: streams, plain text and HTML (tags dropped)."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            texts += [out.get("text", ""), data.get("text/plain", "")]
            texts.append(re.sub(r"<[^>]+>", " ", data.get("text/html", "")))
    return "\n".join(texts)


def _english_pieces_with_a_korean_translation() -> list[str]:
    """The literal pieces (between ``{placeholders}``) of every catalog message that Korean
    words differently: pieces of two words or more, long enough not to be a name, and not
    kept as they are inside the Korean (an AWS message quoted in a Korean sentence)."""
    from babel.messages.pofile import read_po

    path = REPO / "labkit" / "locale" / "ko" / "LC_MESSAGES" / "labkit.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    pieces = set()
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not any(HANGUL.search(s) for s in strings):
            continue
        for text in ids:
            for piece in re.split(r"\{[^}]*\}", text):
                piece = piece.strip(" :;,.()")
                kept = any(piece in s for s in strings)  # quoted as is in the Korean (AWS's words)
                if len(piece) >= 12 and " " in piece and re.search(r"[a-z]{3}", piece) and not kept:
                    pieces.add(piece)
    return sorted(pieces)


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "docs" / "lessons" / "ko").glob("*.ipynb")),
    ids=lambda p: p.stem,
)
def test_the_korean_docs_edition_shows_no_english_that_labkit_says_in_korean(path):
    """What labkit prints in a Korean notebook is Korean wherever its catalog has the Korean:
    no English message of labkit's in the stored outputs (AWS's words are not in the catalog).
    Text the lesson code prints itself must come from labkit for this to hold (lesson 05's
    policy sizes, lesson 01's phase table)."""
    shown = _output_text(path)
    pieces = _english_pieces_with_a_korean_translation()
    assert len(pieces) > 100
    leaked = [piece for piece in pieces if piece in shown]
    assert not leaked, f"{path.name} shows labkit's English: {leaked[:5]}"


@pytest.mark.parametrize(
    "path", sorted((REPO / "docs" / "lessons").rglob("*.ipynb")), ids=lambda p: p.as_posix()
)
def test_the_docs_edition_shows_no_font_warnings(path):
    """A Korean figure's bold title finds a bold Hangul face: no "findfont: Failed to find
    font weight" or "Glyph ... missing" line on the page (labkit.fonts registers every weight
    of the bundled NanumGothic)."""
    shown = _output_text(path)
    assert "findfont" not in shown and "Glyph" not in shown
