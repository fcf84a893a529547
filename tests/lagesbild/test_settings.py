from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import pytest

from lagesbild.settings import SettingsError, load_settings

KEYS = ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId",
        "DATABASE_URL", "LAGESBILD_TIMEZONE", "LAGESBILD_ALLOWED_TENANTS", "LAGESBILD_DATA_DIR")  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_a_sqlite_file_in_the_data_directory_and_stockholm_time(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.database == f"sqlite:///{tmp_path / 'data' / 'lagesbild.db'}"
    assert settings.timezone == "Europe/Stockholm"
    assert not settings.has_app_credentials


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("MicrosoftAppId=from-dotenv\nMicrosoftAppTenantId=tenant-a\n")
    assert load_settings().microsoft_app_id == "from-dotenv"
    monkeypatch.setenv("MicrosoftAppId", "from-env")
    settings = load_settings()
    assert settings.microsoft_app_id == "from-env"
    assert settings.tenant_allow_list == ("tenant-a",)


def test_malformed_values_fail_naming_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppType", "Whatever")
    monkeypatch.setenv("LAGESBILD_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "MicrosoftAppType" in message and "LAGESBILD_TIMEZONE" in message


def test_secrets_never_appear_in_reprs_logs_or_errors(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MicrosoftAppPassword", "hemligt-losenord")
    monkeypatch.setenv("DATABASE_URL", "postgresql://lb:db-hemlighet@127.0.0.1/lb")
    settings = load_settings()
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings: %s %r", settings, settings)
    for text in (repr(settings), str(settings), caplog.text):
        assert "hemligt-losenord" not in text and "db-hemlighet" not in text
    assert settings.microsoft_app_password.get_secret_value() == "hemligt-losenord"
    monkeypatch.setenv("DATABASE_URL", "mysql://lb:db-hemlighet@host/lb")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "DATABASE_URL" in str(caught.value) and "db-hemlighet" not in str(caught.value)


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text("utf-8")
    from lagesbild.settings import Settings

    for field in Settings.model_fields.values():
        assert f"{field.alias}=" in example, field.alias


def test_lagesbild_now_starts_a_clock_there_that_advances(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAGESBILD_NOW", "2030-11-11T08:01:00+01:00")
    clock = load_settings().clock()
    first = clock()
    assert dt.timedelta(0) <= first - dt.datetime(2030, 11, 11, 7, 1, tzinfo=dt.UTC) < dt.timedelta(seconds=5)
    assert first.utcoffset() == dt.timedelta(0)
    time.sleep(0.01)
    assert clock() > first, "it advances in real time"
    monkeypatch.setenv("LAGESBILD_NOW", "")
    assert load_settings().fake_now is None, "empty (as in .env.example) is the real clock"


def test_lagesbild_now_without_an_offset_fails_naming_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAGESBILD_NOW", "2030-11-11T08:01:00")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "LAGESBILD_NOW" in str(caught.value) and "offset" in str(caught.value)
