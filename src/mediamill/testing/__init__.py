"""Helpers for testing code that uses mediamill: synthetic media made on the spot, a real S3
server (SeaweedFS) and what starting servers and mediamill processes takes."""

from mediamill.testing.media import encode_audio, write_audio, write_video
from mediamill.testing.processes import child_env, free_ports, tail
from mediamill.testing.seaweedfs import SeaweedFS, SeaweedFSError

__all__ = [
    "SeaweedFS",
    "SeaweedFSError",
    "child_env",
    "encode_audio",
    "free_ports",
    "tail",
    "write_audio",
    "write_video",
]
