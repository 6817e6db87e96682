"""Shared fixtures: media generated once per test session, never downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cluster import (  # noqa: F401 -- fixtures: real clusters, started on first use
    cluster,
    cluster_media,
    cluster_root,
    embedded_cluster,
    long_clip,
    rabbitmq_cluster,
    redis_cluster,
    short_song,
    short_song_truncated,
)
from tests.s3server import s3_server  # noqa: F401 -- a fixture: SeaweedFS, started on first use

from mediamill.testing import write_audio, write_video


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def song_mp3(media_dir: Path) -> Path:
    """The tutorial's input: 20 s of stereo 44.1 kHz MP3."""
    return write_audio(media_dir / "song.mp3", 20.0, sample_rate=44100, channels=2)


@pytest.fixture(scope="session")
def clip_720p(media_dir: Path) -> Path:
    """A short 720p H.264/AAC clip at 30 fps."""
    return write_video(media_dir / "clip.mp4", 3.0, width=1280, height=720, frame_rate=30)


@pytest.fixture(scope="session")
def truncated_mp3(media_dir: Path, song_mp3: Path) -> Path:
    data = song_mp3.read_bytes()
    path = media_dir / "truncated.mp3"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture(scope="session")
def text_mp3(media_dir: Path) -> Path:
    path = media_dir / "notes.mp3"
    path.write_text("These are my notes, not a song.\n" * 40)
    return path


@pytest.fixture(scope="session")
def empty_mp3(media_dir: Path) -> Path:
    path = media_dir / "empty.mp3"
    path.write_bytes(b"")
    return path
