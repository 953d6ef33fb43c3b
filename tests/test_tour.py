"""``python -m labkit tour`` shows the article's three phases."""

from __future__ import annotations

from labkit import tour


def test_tour_rows_show_the_lesson() -> None:
    rows, calls = tour.run_tour(seed=0)
    assert [r.resource_policy for r in rows] == ["present", "absent", "present"]
    assert [r.execution_status for r in rows] == ["SUCCEEDED"] * 3
    assert [r.history_events for r in rows] == [20, 20, 20]
    assert [r.delivered_log_events for r in rows] == [20, 0, 20]
    assert "AdministratorAccess" in rows[1].role_policies
    assert "stepfunctions.create_state_machine" in calls[0]
    assert "logs.delete_resource_policy" in calls[1] and "iam.attach_role_policy" in calls[1]
    assert "logs.put_resource_policy" in calls[2]


def test_main_prints_each_phase_and_summary(capsys) -> None:
    assert tour.main([]) == 0
    out = capsys.readouterr().out
    for header in ("Phase 1", "Phase 2", "Phase 3", "Summary", "delivered log events"):
        assert header in out


def test_current_profile_tour_also_teaches_the_lesson() -> None:
    rows, _ = tour.run_tour(seed=1, profile="current")
    assert [r.delivered_log_events for r in rows][1] == 0
