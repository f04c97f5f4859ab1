from pathlib import Path

import pytest

from ombuds.errors import ConfigError
from ombuds.settings import CONFIG_FILE_VARIABLE, Settings, load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_documents_every_setting() -> None:
    readme = README.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"OMBUDS_{name.upper()}" in readme, f"README lacks OMBUDS_{name.upper()}"
    assert CONFIG_FILE_VARIABLE in readme


def test_every_setting_has_help_text() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name


def test_defaults_are_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"OMBUDS_{name.upper()}", raising=False)
    monkeypatch.delenv(CONFIG_FILE_VARIABLE, raising=False)
    settings = load_settings()
    assert settings.resolved_database_url() == "sqlite:///.ombuds/ombuds.db"
    assert settings.text_backend == "hyperscan"


def test_environment_overrides_file_overrides_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ombuds.toml"
    config.write_text('home = "/srv/ombuds"\nmax_text_chars = 500\n')
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, str(config))
    monkeypatch.setenv("OMBUDS_MAX_TEXT_CHARS", "900")
    settings = load_settings()
    assert settings.home == Path("/srv/ombuds")
    assert settings.max_text_chars == 900


def test_unknown_key_in_file_and_missing_file_are_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ombuds.toml"
    config.write_text("colour = 'blue'\n")
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, str(config))
    with pytest.raises(ConfigError, match="OMBUDS_COLOUR"):
        load_settings()
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="not found"):
        load_settings()


def test_malformed_toml_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ombuds.toml"
    config.write_text("home = \n")
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, str(config))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.file == str(config)
