"""Signed resize paths: built, parsed back, verified, and refused when any part changes."""

from __future__ import annotations

import pytest

from mediamill.errors import AuthenticationError, ValidationError
from mediamill.images import build_path, parse_path, verify

SECRETS = {"k1": b"1" * 32, "k2": b"2" * 32}


def parsed(path: str) -> tuple[str, str]:
    bucket, _, rest = path.removeprefix("/images/").partition("/")
    return bucket, rest


def test_a_path_round_trips_and_verifies() -> None:
    path = build_path(SECRETS["k1"], "k1", "media", "photos/cat.jpg", "800x600-fill", "webp")
    assert path.startswith("/images/media/photos/cat.jpg/800x600-fill-k1.")
    assert path.endswith(".webp")
    request = parse_path(*parsed(path))
    assert (request.bucket, request.key, request.spec) == (
        "media",
        "photos/cat.jpg",
        "800x600-fill",
    )
    assert (request.key_id, request.extension, request.expires) == ("k1", "webp", None)
    verify(request, SECRETS.get, now=0)


def test_keys_with_slashes_and_odd_characters_are_encoded() -> None:
    path = build_path(SECRETS["k1"], "k1", "media", "a b/ü?#.jpg", "100x", "jpg")
    assert "/a%20b/%C3%BC%3F%23.jpg/" in path


def tampered(path: str, old: str, new: str) -> str:
    assert old in path
    return path.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/images/media/", "/images/other/"),
        ("/cat.jpg/", "/dog.jpg/"),
        ("800x600-fill-", "800x601-fill-"),
        ("-k1.", "-k2."),
        (".webp", ".png"),
    ],
)
def test_changing_any_part_breaks_the_signature(old: str, new: str) -> None:
    path = build_path(SECRETS["k1"], "k1", "media", "photos/cat.jpg", "800x600-fill", "webp", 2000)
    request = parse_path(*parsed(tampered(path, old, new)))
    with pytest.raises(AuthenticationError, match="signature does not match"):
        verify(request, SECRETS.get, now=1000)


def test_changing_the_expiry_or_the_signature_is_refused() -> None:
    path = build_path(SECRETS["k1"], "k1", "media", "cat.jpg", "100x", "jpg", 2000)
    with pytest.raises(AuthenticationError, match="does not match"):
        verify(parse_path(*parsed(tampered(path, ".2000.", ".9999."))), SECRETS.get, now=1000)
    signature = path.split(".")[1]
    other = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(AuthenticationError, match="does not match"):
        verify(parse_path(*parsed(tampered(path, signature, other))), SECRETS.get, now=1000)


def test_expiry_and_unknown_keys() -> None:
    path = build_path(SECRETS["k1"], "k1", "media", "cat.jpg", "100x", "jpg", 2000)
    verify(parse_path(*parsed(path)), SECRETS.get, now=1999)
    with pytest.raises(AuthenticationError, match="has expired"):
        verify(parse_path(*parsed(path)), SECRETS.get, now=2000)
    with pytest.raises(AuthenticationError, match="not signed with a valid key"):
        verify(parse_path(*parsed(path)), {"k2": b"2" * 32}.get, now=0)


@pytest.mark.parametrize("rest", ["cat.jpg", "cat.jpg/100x.jpg", "cat.jpg/100x-k1.sig.1.2.jpg"])
def test_paths_that_are_not_resize_urls(rest: str) -> None:
    with pytest.raises(ValidationError, match="not a resize URL"):
        parse_path("media", rest)
