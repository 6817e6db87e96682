"""mediamill: self-hosted media processing, wire-compatible with AWS Elastic Transcoder."""

__version__ = "0.1.0"
