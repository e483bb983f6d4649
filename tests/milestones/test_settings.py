"""The Jira settings come from the environment; a bad value stops the start-up with its name."""

from tests.project.test_settings import run_manage


def test_a_status_map_entry_that_is_not_a_milestone_status_fails_the_checks(tmp_path):
    result = run_manage("check", JIRA_STATUS_MAP="Blocked=Stuck,Closed=Done", CONSOLE_DATA_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "milestones.E001" in result.stderr
    assert "maps the Jira status 'Blocked' to 'Stuck'" in result.stderr


def test_a_status_map_entry_without_an_equals_sign_refuses_to_start(tmp_path):
    result = run_manage("check", JIRA_STATUS_MAP="Blocked", CONSOLE_DATA_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "JIRA_STATUS_MAP: 'Blocked' is not 'Jira status=milestone status'" in result.stderr


def test_a_jira_server_without_a_token_refuses_to_start(tmp_path):
    result = run_manage(
        "check", JIRA_SERVER="https://rubinobs.atlassian.net", JIRA_API_TOKEN="", CONSOLE_DATA_DIR=str(tmp_path)
    )

    assert result.returncode != 0
    assert "JIRA_SERVER is set but JIRA_API_TOKEN is empty" in result.stderr
