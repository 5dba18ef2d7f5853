"""Every declared setting is documented with its environment variable."""

from pathlib import Path

import config

DOC = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()


def test_every_setting_is_documented() -> None:
    for setting in config.SETTINGS.values():
        assert f"`{setting.name}`" in DOC and setting.env in DOC, setting.name
        assert setting.help


def test_environment_beats_default(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("POLICYWATCH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("POLICYWATCH_INCIDENT_AFTER", "5")
    assert config.get("incident_after") == 5
    monkeypatch.delenv("POLICYWATCH_INCIDENT_AFTER")
    assert config.get("incident_after") == 3


def test_config_file_beats_default(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "c.toml"
    cfg.write_text('[policywatch]\nbase_url = "https://pw.example.org"\n')
    monkeypatch.setenv("POLICYWATCH_CONFIG", str(cfg))
    monkeypatch.delenv("POLICYWATCH_BASE_URL", raising=False)
    assert config.get("base_url") == "https://pw.example.org"
