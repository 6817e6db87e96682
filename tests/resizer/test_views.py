"""The resize view on a local bucket, through Django's test client: render once, store,
serve with validators; every refusal with its status and reason."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from django.test import Client
from tests.images_helpers import colour_at, decode, gif, jpeg, near, png_bomb, png_with_alpha

from mediamill.buckets import get_bucket
from mediamill.images import build_path, parse_spec
from mediamill.imaging import Resizer, default_keyring, resize_path, resize_url
from mediamill.imaging.resizes import resized_key

RED = (255, 0, 0)


def put(key: str, data: bytes) -> None:
    get_bucket("media").write(key, io.BytesIO(data))


def get(path: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    response = Client().get(path, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return response.status_code, body, dict(response.headers)


def test_first_request_renders_and_stores_later_ones_are_served(resizer: Resizer) -> None:
    put("photos/cat.jpg", jpeg((800, 600)))
    path = resize_path("media", "photos/cat.jpg", "400x300-fill.webp")
    status, body, headers = get(path)
    assert status == 200, body
    assert headers["X-Mediamill-Resize"] == "rendered"
    assert headers["Content-Type"] == "image/webp"
    image = decode(body)
    assert image.format == "WEBP" and image.size == (400, 300)
    assert near(colour_at(image, 0.25, 0.25), RED)
    stored = resized_key(
        "photos/cat.jpg", parse_spec("400x300-fill", max_width=999, max_height=999), "webp"
    )
    assert get_bucket("media").exists(stored)

    status, again, headers = get(path)
    assert status == 200 and again == body
    assert headers["X-Mediamill-Resize"] == "stored"
    assert resizer.renders == 1
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"

    status, empty, _ = get(path, if_none_match=headers["ETag"])
    assert status == 304 and empty == b""
    status, _, _ = get(path, if_modified_since=headers["Last-Modified"])
    assert status == 304
    status, _, _ = get(path, if_none_match='"other"')
    assert status == 200
    assert resizer.renders == 1


def test_equal_specs_share_one_stored_resize(resizer: Resizer) -> None:
    put("cat.jpg", jpeg())
    assert get(resize_path("media", "cat.jpg", "100x"))[0] == 200
    status, _, headers = get(resize_path("media", "cat.jpg", "100x-fit-noupscale.jpg"))
    assert status == 200 and headers["X-Mediamill-Resize"] == "stored"
    assert resizer.renders == 1


@pytest.mark.parametrize(
    ("spec", "size", "image_format"),
    [
        ("200x200", (200, 150), "JPEG"),
        ("100x100-fill.png", (100, 100), "PNG"),
        ("100x-crop0,0,200,150.webp", (100, 75), "WEBP"),
        ("200x200-pad.avif", (200, 200), "AVIF"),
        ("50x50-fill.gif", (50, 50), "GIF"),
    ],
)
def test_each_mode_and_format(
    resizer: Resizer, spec: str, size: tuple[int, int], image_format: str
) -> None:
    put("cat.jpg", jpeg((400, 300)))
    status, body, _ = get(resize_path("media", "cat.jpg", spec))
    assert status == 200, body
    image = decode(body)
    assert (image.format, image.size) == (image_format, size)
    assert near(colour_at(image, 0.3, 0.3), RED) or spec.startswith("200x200-pad")


def test_alpha_and_frames_over_http(resizer: Resizer) -> None:
    put("logo.png", png_with_alpha())
    put("anim.gif", gif(3))
    status, body, _ = get(resize_path("media", "logo.png", "100x"))
    assert status == 200 and colour_at(decode(body), 0.8, 0.5)[3] < 10
    status, body, _ = get(resize_path("media", "anim.gif", "30x"))
    assert status == 200 and getattr(decode(body), "n_frames", 1) == 3


def test_twenty_concurrent_first_requests_render_once(resizer: Resizer) -> None:
    put("big.jpg", jpeg((2000, 1500)))
    path = resize_path("media", "big.jpg", "640x480-fill.jpg")
    start = threading.Barrier(20)
    results: list[tuple[int, bytes, str]] = []

    def one() -> None:
        start.wait()
        status, body, headers = get(path)
        results.append((status, body, headers.get("X-Mediamill-Resize", "")))

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r[0] for r in results] == [200] * 20
    assert len({r[1] for r in results}) == 1, "every client got the same bytes"
    assert sorted(r[2] for r in results).count("rendered") == 1
    assert resizer.renders == 1


def tamper(path: str, old: str, new: str) -> str:
    assert old in path, path
    return path.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/images/media/", "/images/other/"),
        ("/cat.jpeg/", "/dog.jpeg/"),
        ("/100x100-", "/100x101-"),
        ("-k1.", "-k2."),
        (".jpg", ".png"),
    ],
    ids=["bucket", "key", "spec", "key-id", "format"],
)
def test_tampering_with_any_part_is_forbidden(resizer: Resizer, old: str, new: str) -> None:
    put("cat.jpeg", jpeg())
    put("dog.jpeg", jpeg())
    default_keyring().rotate()  # k2 exists, so a swapped key ID is a real other key
    path = build_path(
        default_keyring().secret_for("k1") or b"", "k1", "media", "cat.jpeg", "100x100", "jpg"
    )
    assert path.count(".jpg") == 1
    assert get(path)[0] == 200
    status, body, headers = get(tamper(path, old, new))
    assert status == 403, body
    assert body == b"the resize URL's signature does not match\n"
    assert headers["Cache-Control"] == "no-store"


def test_expiry_is_signed_and_enforced(resizer: Resizer) -> None:
    put("cat.jpg", jpeg())
    path = resize_path("media", "cat.jpg", "100x", expires_in=60)
    status, _, headers = get(path)
    assert status == 200
    assert 0 < int(headers["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 60
    expires = path.split(".")[-2]
    assert get(tamper(path, f".{expires}.", f".{int(expires) + 3600}."))[0] == 403
    old = resize_path("media", "cat.jpg", "100x", expires_in=60, now=time.time() - 120)
    status, body, _ = get(old)
    assert (status, body) == (403, b"the resize URL has expired\n")


def test_a_rotated_key_verifies_until_retired(resizer: Resizer) -> None:
    put("cat.jpg", jpeg())
    old = resize_path("media", "cat.jpg", "100x")
    ring = default_keyring()
    ring.rotate()
    new = resize_path("media", "cat.jpg", "100x")
    assert "-k2." in new and "-k1." in old
    assert get(old)[0] == 200 and get(new)[0] == 200
    ring.retire("k1")
    assert get(old)[:2] == (403, b"the resize URL is not signed with a valid key\n")
    assert get(new)[0] == 200


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (png_bomb(), 422, "the original has more pixels than the limit of 50000000 pixels"),
        (jpeg((400, 300))[:1500], 422, "the original cannot be decoded"),
        (b"this is text, not a JPEG\n" * 20, 422, "the original is not an image in an allowed"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', 422, "the original is not an image in an"),
        (gif(1000, (4, 4)), 422, "the original has 1000 frames, more than the limit of 200"),
    ],
    ids=["bomb", "truncated", "text", "svg", "1000-frames"],
)
def test_hostile_originals_are_refused_and_the_server_keeps_serving(
    resizer: Resizer, data: bytes, status: int, message: str
) -> None:
    put("hostile.jpg", data)
    put("cat.jpg", jpeg())
    got, body, headers = get(resize_path("media", "hostile.jpg", "100x100"))
    assert got == status and body.decode().startswith(message), body
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert b"Traceback" not in body and b"/" not in body.split(b"(")[0]
    assert get(resize_path("media", "cat.jpg", "100x100"))[0] == 200


def test_missing_original_bad_spec_and_malformed_urls(resizer: Resizer) -> None:
    status, body, _ = get(resize_path("media", "nothing.jpg", "100x"))
    assert (status, body) == (404, b"no object 'nothing.jpg' in bucket 'media'\n")
    ring = default_keyring()
    bad = build_path(ring.current().secret, "k1", "media", "cat.jpg", "100x100-zoom", "jpg")
    status, body, _ = get(bad)
    assert status == 400 and b"unknown option 'zoom'" in body
    status, body, _ = get("/images/media/cat.jpg")
    assert status == 400 and body.startswith(b"not a resize URL")
    status, body, _ = get(resize_path("media", "cat.jpg", "100x").removesuffix(".jpg") + ".tiff")
    assert status == 400 and body.startswith(b"unknown output format 'tiff'")


def test_source_file_size_limit(resizer: Resizer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_IMAGE_MAX_SOURCE_MB", "1")
    put("huge.jpg", b"\xff\xd8" + b"\0" * (1024 * 1024 + 10))
    status, body, _ = get(resize_path("media", "huge.jpg", "100x"))
    assert status == 422 and b"more than the limit of 1048576 bytes" in body


def test_new_renders_per_client_are_rate_limited(
    resizer: Resizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_IMAGE_RENDERS_PER_MINUTE", "2")
    put("cat.jpg", jpeg())
    first = resize_path("media", "cat.jpg", "100x")
    assert get(first)[0] == 200
    assert get(resize_path("media", "cat.jpg", "101x"))[0] == 200
    status, body, headers = get(resize_path("media", "cat.jpg", "102x"))
    assert status == 429 and b"too many new resizes from this address" in body
    assert 0 < int(headers["Retry-After"]) <= 60
    assert get(first)[0] == 200, "stored resizes are not counted"
    assert resizer.renders == 2


def test_helper_and_template_tag_give_the_same_url(resizer: Resizer) -> None:
    from django.template import Context, Template

    template = Template('{% load resize_urls %}{% resize_url "media" key "300x200-fill.webp" %}')
    rendered = template.render(Context({"key": "photos/a b.jpg"}))
    assert rendered == resize_url("media", "photos/a b.jpg", "300x200-fill.webp")
    assert rendered.startswith("http://testserver/images/media/photos/a%20b.jpg/300x200-fill-k1.")


def test_the_keys_file_lives_in_the_data_folder(resizer: Resizer, data_dir: Path) -> None:
    resize_path("media", "cat.jpg", "100x")
    assert (data_dir / "image-keys.json").stat().st_mode & 0o777 == 0o600
