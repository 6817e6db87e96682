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
