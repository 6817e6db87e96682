"""Settings are declared once and documented once; this keeps the two in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mediamill import settings
from mediamill.errors import ConfigurationError

DOCS = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def documented() -> dict[str, str]:
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| `([^`]*)` \|", DOCS.read_text(), flags=re.M)
    return dict(rows)


def test_every_setting_is_documented_with_its_default() -> None:
    docs = documented()
    for name, setting in settings.SETTINGS.items():
        assert name in docs, f"{name} is missing from docs/settings.md"
        assert docs[name] == setting.default, f"docs/settings.md gives another default for {name}"


def test_no_documented_setting_is_unknown() -> None:
    assert set(documented()) <= set(settings.SETTINGS)


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_DECODE_MEMORY_MB", "lots")
    with pytest.raises(ConfigurationError, match="MEDIAMILL_DECODE_MEMORY_MB"):
        settings.get("MEDIAMILL_DECODE_MEMORY_MB")


def test_default_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIAMILL_PROBE_TIMEOUT", raising=False)
    assert settings.get("MEDIAMILL_PROBE_TIMEOUT") == 30.0


def test_data_dir_defaults_to_the_per_user_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MEDIAMILL_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert settings.get("MEDIAMILL_DATA_DIR") == tmp_path / ".local" / "share" / "mediamill"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert settings.get("MEDIAMILL_DATA_DIR") == tmp_path / "xdg" / "mediamill"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert settings.get("MEDIAMILL_DATA_DIR") == tmp_path / ".local" / "share" / "mediamill"


def test_a_given_data_dir_is_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", "var")
    assert settings.get("MEDIAMILL_DATA_DIR") == tmp_path.resolve() / "var"


def test_derived_default_stands_in_while_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIAMILL_PUBLIC_URL", raising=False)
    monkeypatch.setattr(settings, "_derived", {})
    assert settings.get("MEDIAMILL_PUBLIC_URL") == "http://127.0.0.1:8000"
    settings.derive("MEDIAMILL_PUBLIC_URL", "http://127.0.0.1:9000")
    assert settings.get("MEDIAMILL_PUBLIC_URL") == "http://127.0.0.1:9000"
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", "https://media.example.com")
    assert settings.get("MEDIAMILL_PUBLIC_URL") == "https://media.example.com"
    with pytest.raises(ConfigurationError, match="derived"):
        settings.derive("MEDIAMILL_PUBLIC_URL", "ftp://nope")
