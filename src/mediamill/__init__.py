"""mediamill: self-hosted media processing, wire-compatible with AWS Elastic Transcoder."""

from importlib import metadata

try:
    # The one place the version is written is pyproject.toml; installed metadata carries it.
    __version__ = metadata.version("mediamill")
except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
