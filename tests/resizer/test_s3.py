"""The resize view on an S3 bucket (a real SeaweedFS server): rendered once, stored back in
the bucket, answered with a redirect to a presigned URL that the server itself checks.

This is also the "redirect flow" request path: S3 website rules that send a missing resize
to mediamill land on this same view (SeaweedFS has no website rules to test them with).
"""

from __future__ import annotations

import io
import threading
import urllib.request
import uuid

import pytest
from django.test import Client
from tests.images_helpers import colour_at, decode, gif, jpeg, near, png_with_alpha

from mediamill.buckets import get_bucket
from mediamill.imaging import Resizer, resize_path
from mediamill.testing import SeaweedFS

RED = (255, 0, 0)


@pytest.fixture
def s3_media(s3_server: SeaweedFS, resizer: Resizer, monkeypatch: pytest.MonkeyPatch) -> str:
    real = s3_server.create_bucket(f"resize-{uuid.uuid4().hex[:12]}")
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MEDIAMILL_BUCKETS", f"media=s3://{real}")
    return real


def put(key: str, data: bytes) -> None:
    get_bucket("media").write(key, io.BytesIO(data))


def follow(path: str) -> tuple[int, str, bytes]:
    """The view's answer, and what its redirect's presigned URL returns."""
    response = Client().get(path)
    if response.status_code != 302:
        return (
            response.status_code,
            response.headers.get("X-Mediamill-Resize", ""),
            response.content,
        )
    with urllib.request.urlopen(response["Location"], timeout=10) as fetched:
        return 302, response["X-Mediamill-Resize"], fetched.read()


def test_rendered_once_stored_in_the_bucket_and_redirected(s3_media: str, resizer: Resizer) -> None:
    put("photos/cat.jpg", jpeg((800, 600), orientation=6))
    path = resize_path("media", "photos/cat.jpg", "300x300-fill.webp")
    status, how, body = follow(path)
    assert (status, how) == (302, "rendered")
    image = decode(body)
    assert (image.format, image.size) == ("WEBP", (300, 300))
    assert near(colour_at(image, 0.1, 0.1), RED), "turned upright before the crop"
    stored = [k for k in get_bucket("media").list("_resized/")]
    assert stored == ["_resized/photos/cat.jpg/300x300-fill-center-noupscale.webp"]
    status, how, again = follow(path)
    assert (status, how, again) == (302, "stored", body)
    assert resizer.renders == 1


@pytest.mark.parametrize(
    ("source", "spec", "image_format", "size"),
    [
        (png_with_alpha(), "100x.png", "PNG", (100, 100)),
        (gif(3), "30x.gif", "GIF", (30, 20)),
        (jpeg((400, 300)), "200x200-pad.avif", "AVIF", (200, 200)),
    ],
)
def test_formats_on_s3(
    s3_media: str, source: bytes, spec: str, image_format: str, size: tuple[int, int]
) -> None:
    put("original", source)
    status, _, body = follow(resize_path("media", "original", spec))
    assert status == 302
    image = decode(body)
    assert (image.format, image.size) == (image_format, size)
    if image_format == "GIF":
        assert getattr(image, "n_frames", 1) == 3
    if image_format == "PNG":
        assert colour_at(image, 0.8, 0.5)[3] < 10


def test_twenty_concurrent_first_requests_render_once(s3_media: str, resizer: Resizer) -> None:
    put("big.jpg", jpeg((1600, 1200)))
    path = resize_path("media", "big.jpg", "320x240-fill.jpg")
    start = threading.Barrier(20)
    answers: list[tuple[int, str]] = []

    def one() -> None:
        start.wait()
        response = Client().get(path)
        answers.append((response.status_code, response.headers.get("X-Mediamill-Resize", "")))

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a[0] for a in answers] == [302] * 20
    assert [a[1] for a in answers].count("rendered") == 1
    assert resizer.renders == 1


def test_missing_and_hostile_originals_on_s3(s3_media: str) -> None:
    response = Client().get(resize_path("media", "absent.jpg", "100x"))
    assert response.status_code == 404
    put("text.jpg", b"not an image at all\n" * 10)
    response = Client().get(resize_path("media", "text.jpg", "100x"))
    assert response.status_code == 422 and b"not an image in an allowed format" in response.content
