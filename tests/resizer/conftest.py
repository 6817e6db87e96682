"""A data folder, a local bucket ``media`` and a fresh resizer for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mediamill.imaging import Resizer
from mediamill.resizer import views
from mediamill.resizer.rates import RenderRate


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", "http://testserver")
    return tmp_path / "data"


@pytest.fixture
def resizer(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Resizer]:
    fresh = Resizer()
    monkeypatch.setattr(views, "RESIZER", fresh)
    monkeypatch.setattr(views, "RATES", RenderRate())
    yield fresh
