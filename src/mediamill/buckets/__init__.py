"""Buckets: named places for objects, read and written as streams.

    Bucket          the interface (base.py): streams in and out, atomic writes
    ├── LocalBucket a folder (local.py), the embedded default
    └── S3Bucket    AWS S3, SeaweedFS or MinIO through boto3 (s3.py; needs mediamill[s3])

``get_bucket(name)`` gives the bucket a name stands for under ``MEDIAMILL_BUCKETS``.
"""

from mediamill.buckets.base import CHUNK_SIZE, Bucket, ObjectInfo
from mediamill.buckets.config import Location, get_bucket, parse_buckets
from mediamill.buckets.local import LocalBucket
from mediamill.buckets.object_keys import MAX_KEY_LENGTH, validate_bucket_name, validate_key
from mediamill.buckets.s3 import S3Bucket

__all__ = [
    "CHUNK_SIZE",
    "MAX_KEY_LENGTH",
    "Bucket",
    "LocalBucket",
    "Location",
    "ObjectInfo",
    "S3Bucket",
    "get_bucket",
    "parse_buckets",
    "validate_bucket_name",
    "validate_key",
]
