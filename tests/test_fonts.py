"""Korean figures show Hangul, never empty boxes.

A machine without a Hangul font skips the rendering tests with the reason; CI installs
Debian's fonts-noto-cjk and sets LABKIT_REQUIRE_FONTS=1, which turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import warnings

import pytest

import labkit
from labkit import article, fonts, i18n
from labkit.timeline import timeline

HANGUL = re.compile(r"[\uac00-\ud7a3]")
REQUIRED = os.environ.get("LABKIT_REQUIRE_FONTS") == "1"


@pytest.fixture
def font():
    found = fonts.hangul_font()
    if found is None:
        if REQUIRED:
            pytest.fail("LABKIT_REQUIRE_FONTS=1 but no Hangul font: apt-get install fonts-noto-cjk")
        pytest.skip("no font with Hangul installed (Debian: apt-get install fonts-noto-cjk)")
    return found


@pytest.fixture
def rc():
    import matplotlib as mpl

    with mpl.rc_context():  # start from matplotlib's default families, restore afterwards
        mpl.rcParams["font.family"] = mpl.rcParamsDefault["font.family"]
        yield mpl.rcParams


def _korean_catalog_text() -> str:
    from babel.messages.pofile import read_po

    path = i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "labkit.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    out = []
    for m in catalog:
        out += [m.string] if isinstance(m.string, str) else list(m.string)
    return "".join(out)


def test_the_font_has_every_hangul_glyph_the_catalog_uses(font):
    used = "".join(sorted(set(HANGUL.findall(_korean_catalog_text()))))
    assert len(used) > 100
    assert fonts.missing_glyphs(font, used) == []
    assert fonts.missing_glyphs(font) == []


def test_missing_glyphs_notices_a_font_without_hangul():
    from matplotlib import font_manager

    dejavu = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    plain = fonts.HangulFont("DejaVu Sans", dejavu)
    assert fonts.missing_glyphs(plain, "로그 A") == ["그", "로"]


def test_a_korean_timeline_is_drawn_with_real_glyphs(font, rc):
    """Run the article's phase 2 offline, explain it in Korean, draw the timeline, inspect it."""
    from matplotlib.font_manager import fontManager, get_font

    with labkit.offline(seed=0) as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        machine = article.create_state_machine(
            sfn, article.create_role(iam), article.create_log_group(logs)
        )
        article.delete_resource_policy(logs)
        run = article.start_execution(sfn, machine, name="phase-2")
        world.settle()
        history, delivered = article.history(sfn, run), article.log_events(logs, run)
    assert history and not delivered
    with i18n.using_language("ko"):
        assert fonts.configure() == "ko"
        assert font.name in rc["font.family"]
        from labkit.iam import Request, evaluate

        reason = evaluate(
            Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", "arn:aws:logs:::x"),
            resource=[],
        ).reason
        title = "단계 2: 리소스 정책 삭제, 실행 기록 이벤트와 전달된 로그 이벤트"
        drawn = timeline(history, delivered, title=title, reason=reason)
        figure = drawn.figure  # drawn when first asked for: in the language of that moment
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing")
        figure.canvas.draw()  # a missing glyph would warn here, as an error
    from matplotlib.text import Text

    texts = [t for t in figure.findobj(Text) if a_text(t)]
    korean = [t for t in texts if HANGUL.search(t.get_text())]
    assert any(t.get_text() == title for t in korean)
    # the figure's own words (lanes, axis, legend, counts) are Korean too, drawn with Hangul
    shown = {t.get_text() for t in korean}
    assert {"실행 기록", "상태", "실행 종료", "8개 누락", "12개 누락"} <= shown, shown
    for t in korean:
        chain = [get_font(p) for p in fontManager._find_fonts_by_props(t.get_fontproperties())]
        for ch in set(HANGUL.findall(t.get_text())):
            assert any(f.get_char_index(ord(ch)) for f in chain), (ch, t.get_text())


def a_text(artist) -> bool:
    text = artist.get_text()
    return isinstance(text, str) and bool(text.strip())


def test_latin_text_keeps_its_font_hangul_falls_back(font, rc):
    """The CJK family is appended, not substituted: English figures look as before."""
    before = list(rc["font.family"])
    assert fonts.configure("ko") == "ko"
    assert rc["font.family"] == [*before, font.name]
    assert fonts.configure("ko") == "ko"  # idempotent
    assert rc["font.family"] == [*before, font.name]


def test_without_a_hangul_font_figures_stay_english_with_a_warning(monkeypatch, rc):
    monkeypatch.setattr(fonts, "hangul_font", lambda: None)
    monkeypatch.setattr(fonts, "_warned", False)
    before = list(rc["font.family"])
    with pytest.warns(fonts.HangulFontWarning, match="fonts-noto-cjk"):
        assert fonts.configure("ko") == "en"
    assert rc["font.family"] == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once per process, not on every figure
        assert fonts.configure("ko") == "en"
    assert fonts.configure("en") == "en"


def test_a_bold_korean_title_finds_a_bold_hangul_face(font, rc, caplog):
    """The timeline's title is bold: with only the regular face registered matplotlib logs
    "findfont: Failed to find font weight bold" into the notebook's output."""
    import logging

    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties, fontManager

    assert fonts.configure("ko") == "ko"
    bold = FontProperties(family=font.name, weight="bold")
    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
        path = fontManager.findfont(bold, fallback_to_default=False, rebuild_if_missing=False)
        figure, axes = plt.subplots()
        axes.set_title("단계 2 — 0/20 전달됨, 20개 누락", fontweight="bold")
        figure.canvas.draw()
        plt.close(figure)
    assert not [r for r in caplog.records if "findfont" in r.getMessage()], caplog.text
    assert fonts.missing_glyphs(fonts.HangulFont(font.name, path), "단계 전달됨 누락") == []
