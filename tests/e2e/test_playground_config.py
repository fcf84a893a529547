"""The Playground's world matches the demo municipality, and installing it fails loudly.

No Playground runs here: these check the config lagesbild/playground_config.py writes, that the demo's
Teams members are exactly the Playground's mock users, and that a broken npm install reports
npm's own output.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from lagesbild.playground_config import DEMO_USERS, PlaygroundConfig, PlaygroundError
from lagesbild.playground_install import PACKAGE, TOOL_DIR, ensure_installed, pinned_version
from reporting.members_csv import parse_members_csv
from reporting.model import Channel, Role


def demo_members() -> list:
    text = resources.files("lagesbild.demo_data").joinpath("members.csv").read_text("utf-8")
    parsed = parse_members_csv(text)
    assert parsed.errors == ()
    return list(parsed.rows)


def test_the_demo_teams_members_are_the_playground_mock_users() -> None:
    teams = [m for m in demo_members() if m.channel is Channel.TEAMS]
    assert sorted((m.name, m.email) for m in teams) == sorted((u.name, u.email) for u in DEMO_USERS)


def test_demo_roles_one_coordinator_one_deputy_one_bra_member_the_rest_report() -> None:
    members = demo_members()
    assert [m.name for m in members if m.roles == {Role.COORDINATOR}] == ["Megan Bowen"]
    assert [m.name for m in members if m.roles == {Role.DEPUTY}] == ["Adele Vance"]
    assert [m.name for m in members if m.roles == {Role.BRA}] == ["Isaiah Langer"]
    reporters = [m for m in members if m.roles == {Role.REPORTER}]
    assert len(reporters) == len(members) - 3
    email_only = [m for m in members if m.channel is Channel.EMAIL]
    assert len(email_only) == 1 and email_only[0].roles == {Role.REPORTER}
    # The person who opens the demo is the Playground's current user: a reporter, so the prompt comes.
    me = next(m for m in members if m.email == PlaygroundConfig().current_user.email)
    assert me.roles == {Role.REPORTER}


def test_config_has_stable_ids_and_follows_the_chosen_user() -> None:
    config = PlaygroundConfig()
    document = json.loads(config.render().split("\n", 1)[1])
    assert document["tenantId"] == "00000000-0000-4000-8000-000000000001"
    assert document["personalChat"] == {"id": "a:lagesbild-demo-personal-alexw"}
    assert document["currentUser"]["aadObjectId"] == "00000000-0000-4000-8000-000000000020"
    assert len(document["users"]) == 5
    assert document["team"]["channels"] == [{"id": "19:lagesbild-demo-est@thread.tacv2", "name": "EST"}]
    assert config.render() == PlaygroundConfig().render()

    coordinator = config.for_user("meganb@demo.lagesbild.se")
    assert coordinator.personal_chat_id == "a:lagesbild-demo-personal-meganb"
    assert coordinator.document()["currentUser"]["name"] == "Megan Bowen"
    assert "Alex Wilber" in [u["name"] for u in coordinator.document()["users"]]
    with pytest.raises(PlaygroundError, match="nobody"):
        config.user("nobody")


def test_the_pinned_version_is_exact_and_locked() -> None:
    pinned = pinned_version()
    assert pinned[0].isdigit(), "pin an exact version, not a range"
    lock = json.loads((TOOL_DIR / "package-lock.json").read_text("utf-8"))
    assert lock["packages"][f"node_modules/{PACKAGE}"]["version"] == pinned


def test_a_failing_npm_install_reports_npm_output(tmp_path: Path) -> None:
    shutil.copy(TOOL_DIR / "package.json", tmp_path)  # no lock file: npm ci refuses, offline
    with pytest.raises(PlaygroundError, match=r"npm ci i .* misslyckades(.|\n)*npm error.*package-lock.json"):
        ensure_installed(tmp_path)
