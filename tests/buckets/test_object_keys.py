"""Object keys, bucket names and MEDIAMILL_BUCKETS: what is accepted, what is refused, why."""

from __future__ import annotations

import pickle

import pytest

from mediamill.buckets import Location, parse_buckets, validate_bucket_name, validate_key
from mediamill.buckets.object_keys import key_problem
from mediamill.errors import (
    BucketError,
    ConfigurationError,
    InvalidKeyError,
    ObjectNotFoundError,
)

GOOD_KEYS = [
    "song.mp3",
    "media/song.mp3",
    "media/2024/01/My Song (live).mp3",
    "output/song.wav",
    ".hidden",
    "a/.b/c",
    "a..b/c..",
    "...",
    "ünïcödé/日本語.flac",
    "x" * 255,
    "key with spaces and +=%@:",
]

BAD_KEYS = [
    ("", "empty"),
    ("x" * 256, "256 characters long"),
    ("x" * 300, "300 characters long"),
    ("a\x00b", "control character U+0000"),
    ("a\nb", "control character U+000A"),
    ("a\x1bb", "control character U+001B"),
    ("a\x7fb", "control character U+007F"),
    ("a\x85b", "control character U+0085"),
    ("bad\udcffname", "not valid Unicode"),
    ("/etc/passwd", "absolute path"),
    ("/", "absolute path"),
    ("..", "'..' segment"),
    ("../x", "'..' segment"),
    ("a/../../b", "'..' segment"),
    ("a/..", "'..' segment"),
    ("a\\b", "backslash"),
    ("..\\..\\windows", "backslash"),
    (".", "'.' segment"),
    ("./x", "'.' segment"),
    ("a/./b", "'.' segment"),
    ("a//b", "empty segment"),
    ("a/", "empty segment"),
]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_good_keys(key: str) -> None:
    assert key_problem(key) is None
    assert validate_key(key) == key


@pytest.mark.parametrize(("key", "problem"), BAD_KEYS)
def test_bad_keys(key: str, problem: str) -> None:
    assert problem in (key_problem(key) or "")
    with pytest.raises(InvalidKeyError, match="invalid key") as caught:
        validate_key(key)
    assert caught.value.code == 1000
    assert caught.value.key == key
    assert problem in str(caught.value)


def test_long_keys_are_shortened_in_messages() -> None:
    with pytest.raises(InvalidKeyError) as caught:
        validate_key("x" * 300)
    assert len(str(caught.value)) < 150


@pytest.mark.parametrize("name", ["media", "my-bucket.example_1", "A", "x" * 255, "..a", "a.."])
def test_good_bucket_names(name: str) -> None:
    assert validate_bucket_name(name) == name


@pytest.mark.parametrize(
    "name", ["", ".", "..", "a/b", "a b", "x" * 256, "ünï", "a\x00", "*", "a\\b", "s3://x"]
)
def test_bad_bucket_names(name: str) -> None:
    with pytest.raises(BucketError, match="invalid bucket name") as caught:
        validate_bucket_name(name)
    assert caught.value.code == 1000


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", {}),
        (" ; ;", {}),
        ("media=s3://real-bucket", {"media": Location("s3", "real-bucket")}),
        (
            " media = s3://real-bucket ;archive=file:///srv/archive;",
            {"media": Location("s3", "real-bucket"), "archive": Location("file", "/srv/archive")},
        ),
        ("a=file:///srv/my%20media", {"a": Location("file", "/srv/my media")}),
        ("*=s3://*", {"*": Location("s3", "*")}),
        ("*=s3://media-*", {"*": Location("s3", "media-*")}),
        ("*=file:///srv/buckets/*", {"*": Location("file", "/srv/buckets/*")}),
    ],
)
def test_bucket_setting(raw: str, expected: dict[str, Location]) -> None:
    assert parse_buckets(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("media", "'media' is not NAME=LOCATION"),
        ("media=s3://a;media=s3://b", "bucket 'media' is given twice"),
        ("../x=s3://a", "invalid bucket name '../x'"),
        ("..=file:///srv", "invalid bucket name '..'"),
        ("=s3://a", "invalid bucket name ''"),
        ("media=", "'' is neither s3://BUCKET nor file:///PATH"),
        ("media=/srv/media", "is neither s3://BUCKET nor file:///PATH"),
        ("media=http://x", "is neither s3://BUCKET nor file:///PATH"),
        ("media=s3://", "'s3://' is not s3://BUCKET"),
        ("media=s3://a/prefix", "'s3://a/prefix' is not s3://BUCKET"),
        ("media=file://relative/path", "is not file:///ABSOLUTE/PATH"),
        ("media=s3://*", "'*' stands for a name only in the '*=' entry"),
    ],
)
def test_bad_bucket_setting(raw: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match="MEDIAMILL_BUCKETS is not valid") as caught:
        parse_buckets(raw)
    assert problem in str(caught.value)


def test_wildcard_location_takes_the_name() -> None:
    assert Location("s3", "media-*").for_name("in") == Location("s3", "media-in")


def test_public_names() -> None:
    import mediamill.buckets

    for name in mediamill.buckets.__all__:
        assert hasattr(mediamill.buckets, name)


def test_errors_survive_pickling() -> None:
    # Errors cross process boundaries (workers, isolated decoding).
    for error in (
        InvalidKeyError("../x", "it contains a '..' segment"),
        ObjectNotFoundError("m", "k"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), str(copy), copy.code) == (type(error), str(error), error.code)
        assert copy.key == error.key
