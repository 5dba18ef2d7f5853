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


def test_egress_proxies_from_file_and_environment(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    cfg = tmp_path / "c.toml"
    cfg.write_text('[egress]\neu = "http://eu-proxy:3128"\nus = "http://us-proxy:3128"\n')
    monkeypatch.setenv("POLICYWATCH_CONFIG", str(cfg))
    monkeypatch.setenv("POLICYWATCH_EGRESS_EU", "http://other-eu:8080")
    assert config.egress_proxies() == {"eu": "http://other-eu:8080", "us": "http://us-proxy:3128"}
    assert "[egress]" in DOC and "POLICYWATCH_EGRESS_" in DOC
    bad = tmp_path / "bad.toml"
    bad.write_text("[egress]\neu = 3128\n")
    monkeypatch.setenv("POLICYWATCH_CONFIG", str(bad))
    with pytest.raises(config.ConfigError, match="egress"):
        config.egress_proxies()
