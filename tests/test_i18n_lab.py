"""The lab, verdicts, quiz, exercises and timeline speak Korean when asked; AWS stays English."""

from __future__ import annotations

import re

import pytest

import labkit
from labkit import exercises, fonts, i18n, quiz, timeline_figure, verdict
from labkit.lab import PolicyLab

HANGUL = re.compile(r"[\uac00-\ud7a3]")
GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/L-Logs"


def test_tables_follow_a_language_switch_made_after_import():
    english = verdict.CAUSES["no-policy"]
    with i18n.using_language("ko"):
        korean = verdict.CAUSES["no-policy"]
        assert korean == "로그 서비스가 쓸 수 있게 허용하는 리소스 정책이 없음"
        assert verdict.CAUSES["delivered"] == ""  # empty stays empty, never the catalog header
    assert verdict.CAUSES["no-policy"] == english == "no resource policy lets the log service write"
    assert verdict.CAUSES.english["no-policy"] == english


def test_the_lab_panel_and_verdict_in_korean():
    with i18n.using_language("ko"):
        lab = PolicyLab(labkit.offline(seed=0))
        assert lab.resource_policy.description == "리소스 정책"
        assert dict(lab.resource_policy.options)["자동 생성"] == "auto-created"
        result = lab.set(resource_policy="none", role="AdministratorAccess").run()
        text = result.verdict.text()
        world = str(result.world)
        headline = result.verdict.headline
    assert result.verdict.headline.startswith("Execution SUCCEEDED · 0 of 20")  # read in English
    assert headline == (
        "실행 SUCCEEDED · 이벤트 20개 중 0개 전달됨: "
        "로그 서비스가 쓸 수 있게 허용하는 리소스 정책이 없음"
    )
    assert "역할은 확인되지 않았습니다" in text and "logs:PutLogEvents" in text
    assert world.startswith("리소스 정책: 없음; 역할 정책: AdministratorAccess; 로그 수준: ALL")
    assert result.timeline.title in ("0/20 전달됨, 20개 누락", "0/20 delivered, 20 dropped")


def test_a_rejected_change_keeps_aws_words_in_english():
    with i18n.using_language("ko"):
        lab = PolicyLab(labkit.offline(seed=0))
        result = lab.set(role="none", apply="update").run()
        text = result.verdict.text()
        headline = result.verdict.headline
    assert headline == ("AWS가 변경을 거부함(AccessDeniedException). 아무것도 바뀌지 않았습니다")
    message = "The state machine IAM Role is not authorized to access the Log Destination"
    assert f"AWS 메시지: {message}" in text
    assert result.error == f"AccessDeniedException: {message}"


def test_every_question_reads_in_korean_and_english_answers_still_count():
    with i18n.using_language("ko"):
        for q in quiz.BANK:
            assert HANGUL.search(q.prompt) and HANGUL.search(q.explanation), q.id
            assert HANGUL.search(q.hint), q.id
            assert len(set(q.options)) == len(q.english_options)
            assert sum(bool(HANGUL.search(o)) for o in q.options) >= 2, q.id
        q = quiz.question("predict-admin-no-policy")
        assert q.is_correct(q.english_options[1]) and q.is_correct(q.options[1])
        board = quiz.Scoreboard()
        widget = quiz.Quiz(q, scoreboard=board)
        assert widget.button.description == "확인"
        first = widget.check(0)
        assert first.text.startswith("✗ 아쉽습니다. 힌트: ")
        assert widget.check(1).text.startswith("✓ 정답입니다.\n")
        assert "첫 시도에 정답" not in str(board.summary())
        assert str(board.summary()).startswith("1문제 중 1문제 정답, 첫 시도에 0문제.")
    assert quiz.question("predict-admin-no-policy").prompt.startswith("The role has")


def test_exercise_checks_in_korean():
    with i18n.using_language("ko"):
        check = exercises.check_logging_configuration(
            {"level": "ALL", "includeExecutionData": False, "destinations": [{}]},
            GROUP,
            level="ALL",
            include_execution_data=False,
        )
        shown = str(check)
    assert shown.splitlines()[0] == "✗ 아직입니다: 고칠 것이 1개 있습니다."
    assert "cloudWatchLogsLogGroup" in shown


def test_figure_words_are_korean_only_when_hangul_can_be_drawn(monkeypatch):
    with i18n.using_language("ko"):
        if fonts.hangul_font() is not None:
            assert timeline_figure.WORDS["lane-history"] == "실행 기록"
        monkeypatch.setattr(fonts, "hangul_font", lambda: None)
        monkeypatch.setattr(fonts, "_warned", True)  # warned already: no warning noise here
        assert fonts.figure_language() == "en"
        assert timeline_figure.WORDS["lane-history"] == "Execution history"
        from labkit.timeline import short_title

        summary = {"events": 20, "logged": 20, "delivered": 0, "dropped": 20}
        assert short_title(summary) == "0/20 delivered, 20 dropped"
        assert verdict.CAUSES["no-policy"].startswith("로그 서비스")  # text still in Korean
        assert short_title(summary, phase=2) == "Phase 2 — 0/20 delivered, 20 dropped"


def test_a_phase_number_is_labkits_own_words_in_the_figures_language(monkeypatch):
    from labkit.timeline import short_title

    summary = {"events": 20, "logged": 20, "delivered": 20, "dropped": 0}
    assert short_title(summary, phase=1) == "Phase 1 — 20/20 delivered"
    assert short_title(summary, phase="Warm-up") == "Warm-up — 20/20 delivered"  # as given
    monkeypatch.setattr(fonts, "figure_language", lambda: "ko")  # as when Hangul can be drawn
    with i18n.using_language("ko"):
        assert short_title(summary, phase=1) == "단계 1 — 20/20 전달됨"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_widget_fallbacks_name_where_the_widget_is_live(language):
    from labkit.widget_repr import widget_bundle

    with i18n.using_language(language):
        bundle = widget_bundle({}, "x")
    assert ("notebooks/ko/" in bundle["text/plain"]) == (language == "ko")


def test_put_resource_policy_answers_in_korean_with_aws_words_in_english():
    from labkit import article

    with i18n.using_language("ko"), labkit.offline(seed=0) as world:
        logs = world.client("logs")
        stream = f"arn:aws:logs:{world.region}:{world.account_id}:log-group:g:log-stream:*"
        ok = article.delivery_policy(stream, "*")
        bad = article.delivery_policy(stream, {"AWS": "delivery.logs.amazonaws.com"})
        assert article.try_put_resource_policy(logs, "everyone", ok) == "받아들여짐"
        assert article.try_put_resource_policy(logs, "bad", bad) == (
            "거부됨: InvalidParameterException - Could not convert to persistable policy"
        )


def test_the_score_summary_repr_is_korean():
    with i18n.using_language("ko"):
        summary = quiz.ScoreSummary(())
        assert repr(summary) == "<ScoreSummary: 0문제 중 0문제 정답, 첫 시도에 0문제.>"


def test_lesson_tables_and_sizes_are_labkits_words_in_korean():
    import json

    from labkit import article

    rows = {"status": "SUCCEEDED", "history events": 20, "log messages": 0}
    document = json.dumps({"Statement": [{"Resource": ["arn:a", "arn:b"]}]})
    with i18n.using_language("ko"):
        runs = article.phases("r1", "r2", "r3")
        table = article.phase_table({phase: rows for phase in runs})
        assert list(runs) == ["1: 정책 있음", "2: 정책 없음, 관리자 역할", "3: 정책 복원"]
        assert list(runs.values()) == ["r1", "r2", "r3"]
        assert list(table.columns) == ["상태", "실행 기록 이벤트", "로그 메시지"]
        assert article.LABELS["seconds"] == "경과(초)"
        size = article.policy_size(document)
        assert size == f"{len(document)}자, Resource 항목 2개"
        assert article.policy_size(document, last=True).endswith(", 마지막 항목: arn:b")
    runs = article.phases("r1", "r2", "r3")  # and English again after the block
    assert list(runs) == ["1: policy", "2: no policy, admin role", "3: policy again"]
    table = article.phase_table({phase: {**rows, "other": 1} for phase in runs})
    assert list(table.columns) == ["status", "history events", "log messages", "other"]
    assert table["log messages"].tolist() == [0, 0, 0]
    assert article.policy_size(document) == f"{len(document)} characters, 2 Resource entries"
    one = json.dumps({"Statement": [{"Resource": "arn:only"}]})
    assert article.policy_size(one, last=True).endswith("1 Resource entry; the last: arn:only")
    with pytest.raises(TypeError):
        article.phases("a", "b", "c", "d")


def test_lint_report_words_follow_the_language():
    from labkit.iam import lint

    wrong = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:*",
            }
        ],
    }
    with i18n.using_language("ko"):
        warnings = lint(wrong, kind="resource")
        assert repr(warnings).startswith(f"린트 경고 {len(warnings)}개:\n  - delivery-principal")
        page = warnings._repr_html_()
        assert all(f">{word}</th>" in page for word in ("경고", "위치", "고칠 점"))
        right = {
            **wrong,
            "Statement": [
                {**wrong["Statement"][0], "Principal": {"Service": "delivery.logs.amazonaws.com"}}
            ],
        }
        assert repr(lint(right, kind="resource")) == "린트 경고가 없습니다."
    assert repr(lint(wrong, kind="resource")).startswith("1 lint warning:\n")
