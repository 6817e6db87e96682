from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Buckets (local folders) under a temporary folder."""
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    return tmp_path
