"""labkit speaks Korean when asked: complete catalogs, language choice, translated output.

The catalog checks use Babel (``scripts/i18n.py``); the runtime checks use only what labkit
ships: the committed ``.mo`` read by the standard library's ``gettext``.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import io
import re
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

import labkit
from labkit import i18n
from labkit.errors import LabkitError

REPO = Path(__file__).resolve().parent.parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _load(rel: str):
    path = REPO / rel
    spec = importlib.util.spec_from_file_location(f"_repo_{path.stem}_i18n", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


catalogs = _load("scripts/i18n.py")


@pytest.fixture(autouse=True)
def english_unless_asked(monkeypatch):
    """Each test starts with no choice made and no language in the environment."""
    monkeypatch.delenv("LABKIT_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setattr(i18n, "_chosen", None)
    monkeypatch.setattr(i18n, "_from_env", None)  # the environment is read afresh


# ----------------------------------------------------------------- the catalogs


def test_catalogs_are_complete_and_fresh():
    """What ``python scripts/i18n.py --check`` checks: .pot, .po and .mo agree with the code."""
    assert catalogs.problems() == []


def test_every_message_in_the_code_has_a_korean_translation_with_the_same_placeholders():
    template = catalogs.extract()  # straight from labkit/*.py, not from the committed .pot
    korean = catalogs._read(catalogs.po_path("ko"), locale="ko")
    ids = [m.id for m in template if m.id]
    assert len(ids) > 100, "the wrapped modules' messages were not extracted"
    missing, bad = [], []
    for msgid in ids:
        key = msgid if isinstance(msgid, str) else msgid[0]
        entry = korean.get(key)
        strings = () if entry is None else catalogs._strings(entry)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(key)
            continue
        want = catalogs.placeholders(msgid if isinstance(msgid, str) else msgid[-1])
        bad += [(key, s) for s in strings if catalogs.placeholders(s) != want]
        if not any(HANGUL.search(s) for s in strings) and not re.fullmatch(r"[\W\d_{}a-z]*", key):
            bad.append((key, "no Hangul in the translation"))
    assert not missing, f"untranslated or fuzzy: {missing[:5]}"
    assert not bad, f"placeholders differ: {bad[:5]}"


def test_placeholder_check_catches_a_mismatch():
    """The checker itself: a renamed or dropped field is reported, field order is free."""
    assert catalogs.placeholders("{a} and {b!r}") == catalogs.placeholders("{b!r} 그리고 {a}")
    assert catalogs.placeholders("{a} and {b!r}") != catalogs.placeholders("{a} 그리고 {b}")
    from babel.messages.catalog import Catalog

    broken = Catalog(locale="ko")
    broken.add("{group} does not exist", "{grup}이(가) 없습니다")
    broken.add("untranslated {x}", "")
    broken.add("fuzzy", "퍼지", flags=["fuzzy"])
    found = catalogs.translation_problems(broken, "test.po")
    assert len(found) == 3
    assert any("placeholders" in p for p in found)
    assert any("untranslated" in p for p in found)
    assert any("fuzzy" in p for p in found)


def test_committed_mo_equals_a_fresh_compile_of_the_po():
    po = catalogs.po_path("ko")
    fresh = catalogs._mo_bytes(catalogs._read(po, locale="ko"))
    assert po.with_suffix(".mo").read_bytes() == fresh


def test_the_package_ships_the_catalogs():
    """setuptools package-data must include the .mo (read at run time) and the .po."""
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    patterns = [p for ps in package_data.values() for p in ps]
    for path in (REPO / "labkit" / "locale").rglob("*"):
        if path.suffix in (".mo", ".po"):
            assert any(fnmatch.fnmatch(path.name, p) for p in patterns), path.name
    assert (i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "labkit.mo").is_file()


# ----------------------------------------------------------------- choosing the language


def test_english_is_the_default_and_messages_are_their_own_english():
    assert i18n.current_language() == "en"
    assert i18n._("applies") == "applies"


def test_korean_comes_from_the_compiled_catalog():
    with i18n.using_language("ko") as now:
        assert now == "ko"
        assert i18n._("applies") == "적용됨"
        assert i18n._("resource policy") == "리소스 정책"
        assert i18n._("a message nobody translated") == "a message nobody translated"
    assert i18n.current_language() == "en"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ko", "ko"), ("ko_KR.UTF-8", "ko"), ("ko-KR", "ko"), ("en_US.UTF-8", "en"), ("", "en")],
)
def test_labkit_lang_chooses_the_language(monkeypatch, value, expected):
    monkeypatch.setenv("LABKIT_LANG", value)
    assert i18n.current_language() == expected


def test_an_unknown_labkit_lang_warns_and_speaks_english(monkeypatch):
    monkeypatch.setenv("LABKIT_LANG", "tlh")
    with pytest.warns(UserWarning, match="LABKIT_LANG"):
        assert i18n.current_language() == "en"


def test_a_notebook_under_a_ko_folder_speaks_korean(monkeypatch):
    """Jupyter Server passes the notebook's path as JPY_SESSION_NAME: links need no setting."""
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/jovyan/labkit/notebooks/ko/01_the_article.ipynb")
    assert i18n.current_language() == "ko"
    monkeypatch.setenv("LABKIT_LANG", "en")  # an explicit setting wins
    assert i18n.refresh() == "en"
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/jovyan/labkit/notebooks/01_the_article.ipynb")
    monkeypatch.delenv("LABKIT_LANG")
    assert i18n.refresh() == "en"


def test_jupyter_server_tells_the_kernel_its_notebook(monkeypatch):
    """The contract the folder rule relies on, checked against the pinned Jupyter Server."""
    sessionmanager = pytest.importorskip("jupyter_server.services.sessions.sessionmanager")
    env = sessionmanager.SessionManager.get_kernel_env(None, "labkit/notebooks/ko/x.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", env["JPY_SESSION_NAME"])
    assert i18n.refresh() == "ko"


def test_the_environment_is_read_once_until_refreshed(monkeypatch):
    """Reading os.environ for every message would cost more than the message."""
    assert i18n._("applies") == "applies"
    monkeypatch.setenv("LABKIT_LANG", "ko")
    assert i18n._("applies") == "applies"  # not yet
    assert i18n.refresh() == "ko"
    assert i18n._("applies") == "적용됨"
    monkeypatch.setenv("LABKIT_LANG", "en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labkit.connect().close()  # connect() reads it again
    assert i18n._("applies") == "applies"


def test_set_language_wins_over_the_environment_and_rejects_unknown_languages(monkeypatch):
    monkeypatch.setenv("LABKIT_LANG", "ko")
    assert i18n.set_language("en") == "en"
    assert i18n._("applies") == "applies"
    assert i18n.set_language(None) == "ko"  # back to the environment, read again
    with pytest.raises(LabkitError, match="language must be one of 'en', 'ko'"):
        i18n.set_language("fr")
    assert i18n.current_language() == "ko"  # unchanged by the refused call


def test_connect_takes_the_language(monkeypatch):
    import matplotlib as mpl

    monkeypatch.setenv("LABKIT_MODE", "offline")
    with mpl.rc_context(), warnings.catch_warnings():  # connect sets up the figures' font
        warnings.simplefilter("ignore")  # a machine without a Hangul font warns; tested elsewhere
        world = labkit.connect(language="ko", seed=3)
    with world:
        assert i18n.current_language() == "ko"
        logs = world.client("logs")
        with pytest.raises(logs.exceptions.ResourceNotFoundException) as info:
            logs.delete_log_group(logGroupName="nope")
        # AWS's own error messages stay in English, as AWS returns them
        assert not HANGUL.search(str(info.value))
    with pytest.raises(LabkitError):
        labkit.connect(language="xx")


# ----------------------------------------------------------------- what labkit says in Korean


def test_lint_warnings_in_korean_keep_code_and_aws_names():
    from labkit.iam import lint

    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "logs:PutLogEvents",
                "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:g",
            }
        ],
    }
    english = lint(doc, kind="resource")
    with i18n.using_language("ko"):
        korean = lint(doc, kind="resource")
    assert [w.code for w in korean] == [w.code for w in english]  # codes are stable
    for w in korean:
        assert HANGUL.search(w.message) and HANGUL.search(w.where), w
    by_code = {w.code: w.message for w in korean}
    assert "logs:CreateLogStream" in by_code["put-without-create"]
    assert "log-group:g:log-stream:*" in by_code["log-group-without-stream"]
    assert "aws:SourceAccount" in by_code["public-principal"]


def test_decision_reasons_and_explanations_in_korean():
    from labkit.iam import Policy, Request, evaluate

    policy = Policy.load(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Other",
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": "logs:PutLogEvents",
                    "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:other:*",
                }
            ],
        },
        kind="resource",
        name="P",
    )
    request = Request(
        "delivery.logs.amazonaws.com",
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:111122223333:log-group:mine:log-stream:s",
    )
    with i18n.using_language("ko"):
        decision = evaluate(request, resource=[policy])
        assert decision.reason.startswith("delivery.logs.amazonaws.com의 ")
        assert "허용하는 리소스 정책 문이 없습니다" in decision.reason
        text = str(decision)
        assert "ImplicitlyDenied" in text  # the outcome is IAM's term
        assert "정책 P Other Allow: 적용되지 않음" in text
        assert "다른 로그 그룹(other)" in text
    frame = decision.to_frame()  # the table's columns and cells are data: the same in English
    assert list(frame.columns)[:3] == ["policy", "kind", "statement"]
    assert frame.loc[0, "resource"] == "no"


def test_decided_by_survives_a_language_switch():
    from labkit.iam import Policy, Request, evaluate

    policy = Policy.load(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        },
        kind="identity",
    )
    decision = evaluate(
        Request("arn:aws:iam::111122223333:role/r", "s3:GetObject", "arn:aws:s3:::b/k"),
        identity=[policy],
    )
    assert decision.statements[0].policy == "identity policy 1"
    with i18n.using_language("ko"):
        assert decision.decided_by is decision.statements[0]
        assert decision.reason == "자격 증명 정책 1의 문 #1에 의해 허용됨"


def test_envcheck_in_korean():
    from labkit import envcheck

    out = io.StringIO()
    with i18n.using_language("ko"):
        findings = envcheck.check_env(out=out)
        missing = envcheck.check_package("moto", "5.2.3", "5.3", None)
    assert findings[0].message.startswith("Python ") and findings[0].message.endswith(" 확인")
    assert out.getvalue().splitlines()[-1] == "Python 환경이 실습할 준비가 되었습니다."
    assert missing.message == (
        "moto 패키지가 없습니다: 실습 환경에서 "
        "`python -m pip install -r requirements.txt`를 실행하십시오."
    )
    # the lines lesson 00 prints: "ok" is labkit's word too
    found = envcheck.check_package("pandas", "2.2", None, "2.2.3")
    with i18n.using_language("ko"):
        assert found.line == "pandas >=2.2: 정상"
        assert missing.line == f"moto >=5.2.3,<5.3: {missing.message}"
    assert found.line == "pandas >=2.2: ok"


def test_tour_table_in_korean_lines_up_wide_characters():
    from labkit import tour

    rows, _ = tour.run_tour()
    with i18n.using_language("ko"):
        rows, _ = tour.run_tour()
        text = tour.table(rows)
    lines = text.splitlines()
    assert lines[0].startswith("단계")
    assert [r.delivered_log_events for r in rows] == [20, 0, 20]
    assert rows[1].phase == "2 정책 삭제, 역할에 관리자 권한"
    # every column starts at the same terminal column on every line (Hangul is two wide)
    starts = [m.end() for m in re.finditer(r"  ", lines[1])]  # the dashes line is ASCII
    for line in lines[2:]:
        cells = list(re.finditer(r"\S(?:\S| (?! ))*", line))  # runs without a double space
        assert len(cells) == 6
        assert [tour._width(line[: m.start()]) for m in cells[1:]] == starts


def test_doctor_report_in_korean_keeps_the_aws_error_in_english():
    from labkit import article, doctor

    with labkit.offline(seed=0) as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        role_arn = article.create_role(iam)
        group_arn = article.create_log_group(logs)
        machine_arn = article.create_state_machine(sfn, role_arn, group_arn)
        article.delete_resource_policy(logs)
        with i18n.using_language("ko"):
            report = doctor(world, machine_arn)
            text = str(report)
            headline = report.headline
    assert report.status == "not-delivered"
    assert headline.startswith("로그가 전달되지 않습니다: ")
    assert "허용하는 리소스 정책 문이 없습니다" in headline
    assert "발견 사항:" in text and "해결 방법: 이 문을 CloudWatch Logs 리소스 정책에 추가" in text
    assert "  [문제] delivery.logs.amazonaws.com의 logs:PutLogEvents: " in text
    assert '"Sid": "AWSLogDeliveryWrite20150319"' in text  # the fix is JSON, untranslated


# ----------------------------------------------------------------- README.ko.md and the glossary


def _command_after(text: str, marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)\n```", text, flags=re.S)
    assert match, f"no ```bash block after <!-- {marker} -->"
    assert "\n" not in match.group(1).strip()
    return match.group(1).strip()


def test_korean_readme_has_the_same_two_commands_opening_the_korean_lessons():
    english = (REPO / "README.md").read_text(encoding="utf-8")
    korean = (REPO / "README.ko.md").read_text(encoding="utf-8")
    assert _command_after(korean, "test-command") == _command_after(english, "test-command")
    lab = _command_after(korean, "lab-command")
    assert lab == _command_after(english, "lab-command").replace(
        "notebooks/00_start_here.ipynb", "notebooks/ko/00_start_here.ipynb"
    )
    assert lab.endswith(" notebooks/ko/00_start_here.ipynb")
    assert "labpath=notebooks%2Fko%2F00_start_here.ipynb" in korean  # the Binder badge


def test_the_readmes_link_to_each_other_and_the_glossary_exists():
    english = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    korean = (REPO / "README.ko.md").read_text(encoding="utf-8")
    assert any("](README.ko.md)" in line for line in english[:3])
    assert "](README.md)" in korean.split("\n## ")[0]
    assert "](docs/glossary.md)" in korean
    # README.ko.md is Korean prose, not an English copy
    prose = re.sub(r"```.*?```|`[^`]*`|\(http[^)]*\)", "", korean, flags=re.S)
    assert len(HANGUL.findall(prose)) > 2000


@pytest.mark.parametrize(
    ("korean", "english"),
    [
        ("리소스 기반 정책", "resource-based policy"),
        ("로그 전송", "log delivery"),
        ("실행 기록", "execution history"),
        ("로그 수준", "log level"),
        ("상태 머신", "state machine"),
        ("로그 그룹", "log group"),
        ("로그 스트림", "log stream"),
        ("실행 역할", "execution role"),
        ("서비스 보안 주체", "service principal"),
        ("권한 경계", "permissions boundary"),
    ],
)
def test_the_glossary_pairs_the_console_terms(korean, english):
    text = (REPO / "docs" / "glossary.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert any(
        re.match(rf"\| {re.escape(korean)}(?: †)? \| {re.escape(english)}\b", row) for row in rows
    ), (korean, english)


def test_the_catalog_uses_the_glossary_terms():
    """The messages say what the glossary says: one Korean word for each AWS term."""
    with i18n.using_language("ko"):
        assert i18n._("resource policy") == "리소스 정책"
        assert i18n._("permissions boundary") == "권한 경계"
        assert i18n._("identity-based policy") == "자격 증명 기반 정책"
        assert i18n._("history events") == "실행 기록 이벤트"


def test_an_explanation_read_in_english_then_korean_is_all_korean():
    """Explanations are built once per language, not cached in the first one read."""
    from labkit.iam import Policy, Request, evaluate

    policy = Policy.load(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S",
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": "logs:PutLogEvents",
                    "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:other:*",
                    "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:*"}},
                }
            ],
        },
        kind="resource",
        name="P",
    )
    request = Request(
        "delivery.logs.amazonaws.com",
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:123456789012:log-group:mine:log-stream:s",
    )
    decision = evaluate(request, resource=[policy])
    english = str(decision)
    assert "not applied" in english and "a missing key makes the condition false" in english
    with i18n.using_language("ko"):
        korean = str(decision)
        lines = korean.splitlines()[1:]  # the first line is IAM's outcome and the request
    assert "not applied" not in korean and "missing key" not in korean
    assert "키가 없으면 조건은 false입니다" in korean
    assert "패턴이 다른 로그 그룹(other)을 가리킵니다" in korean
    assert all(HANGUL.search(line) for line in lines), lines
    assert str(decision) == english  # and back
