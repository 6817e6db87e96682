"""Helpers for testing code that uses mediamill: synthetic media, made on the spot."""

from mediamill.testing.media import write_audio, write_video

__all__ = ["write_audio", "write_video"]
