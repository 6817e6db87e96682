"""A person's whole visit in Debian's Chromium against a real `mediamill serve`.

Sign up → a generated MP3 arrives → its progress moves → the notice appears without a
reload → play (the audio element plays, currentTime > 0, seeking works) → download the FLAC
through its expiring link and decode it → dismiss the notice → sign out; then a second
person tries every URL of the first one's and gets 404. Screenshots of each page at 1280
and 390 pixels wide are saved under docs/screenshots/ as it goes.

The file arrives either by drag and drop onto the library page (the uploads app's tus
uploader) or, without the uploads app, through the web app's completion hook called as the
uploads app would (``tests.web_arrival``, run against the server's own database).
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.decoded import decode
from tests.serve_process import Server, start_server, stop_server

from mediamill.testing import write_audio
from mediamill.testing.processes import child_env
from mediamill.testing.pytest_plugin import unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
PASSWORD = "a long enough passphrase 42"
UPLOADS_APP = importlib.util.find_spec("mediamill.uploads") is not None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("browser"))
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Long enough that transcoding takes a few seconds and its progress can be seen moving.
    return write_audio(tmp_path_factory.mktemp("song") / "song.mp3", 150.0)


def shoot(page: Any, name: str) -> None:
    """``docs/screenshots/<name>-1280.png`` and ``-390.png``: the page at both widths."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        # Responsive: nothing wider than the window (no sideways scrolling of the page).
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_up(page: Any, base: str, username: str, screenshots: bool = False) -> None:
    page.goto(f"{base}/accounts/signup/")
    if screenshots:
        shoot(page, "signup")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{base}/")


def arrive_by_hook(server: Server, username: str, song: Path) -> None:
    env = child_env({"MEDIAMILL_DATA_DIR": str(server.data_dir)})
    subprocess.run(
        [sys.executable, "-m", "tests.web_arrival", username, str(song)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def drop_file(page: Any, song: Path) -> None:
    """Drop ``song`` onto the drop zone, as a person dragging it from their desktop."""
    payload = base64.b64encode(song.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: "audio/mpeg"}));
            return transfer;
        }""",
        [payload, song.name],
    )
    for event in ("dragenter", "dragover", "drop"):
        page.dispatch_event("#uploader", event, {"dataTransfer": transfer})


def watch_progress(page: Any) -> list[int]:
    """Progress values the library shows for the file, without reloading, until Ready."""
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => {
                const row = document.querySelector("#files .file");
                if (!row) return null;
                const bar = row.querySelector("progress");
                return {text: row.querySelector(".status").textContent,
                        value: bar ? bar.value : null};
            }"""
        )
        if state is not None:
            if state["value"] is not None and (not seen or seen[-1] != state["value"]):
                seen.append(int(state["value"]))
                if 0 < seen[-1] < 100 and len([v for v in seen if 0 < v < 100]) == 1:
                    shoot(page, "library-processing")
            if "Ready" in state["text"]:
                return seen
        page.wait_for_timeout(100)
    raise AssertionError(f"the file was not Ready in time; progress seen: {seen}")


def journey(server: Server, browser: Any, song: Path, by_drop: bool, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{server.port}"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    page.goto(f"{base}/")
    page.wait_for_url(re.compile(r".*/accounts/signin/.*"))
    shoot(page, "signin")
    sign_up(page, base, "alice", screenshots=True)
    assert page.get_by_text("No files yet — drop one here").is_visible()
    shoot(page, "library-empty")

    if by_drop:
        drop_file(page, song)
    else:
        arrive_by_hook(server, "alice", song)
        page.reload()

    progress = watch_progress(page)
    assert any(0 < value < 100 for value in progress), progress

    # The notice arrives without a reload, with the unread count in the header.
    notice = page.locator("#notices .notice", has_text="Your file song.mp3 has been processed")
    notice.wait_for(timeout=15_000)
    assert page.locator("#unread").inner_text() == "1"
    shoot(page, "library")

    page.get_by_role("link", name="song.mp3").first.click()
    page.wait_for_url(re.compile(r".*/files/\d+/$"))
    detail_url = page.url
    for _ in range(50):  # the waveform is drawn just after the job completes
        if page.locator("img.waveform").count():
            break
        page.wait_for_timeout(200)
        page.reload()
    assert page.locator("img.waveform").evaluate("img => img.naturalWidth") == 1200
    shoot(page, "detail")

    # Play, then seek (Range requests) and keep playing.
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function(
        "() => { const p = document.getElementById('player');"
        " return !p.paused && p.currentTime > 0.3; }",
        timeout=20_000,
    )
    page.evaluate("document.getElementById('player').currentTime = 100")
    page.wait_for_function(
        "() => { const p = document.getElementById('player');"
        " return !p.paused && p.currentTime > 100.2; }",
        timeout=20_000,
    )
    page.evaluate("document.getElementById('player').pause()")

    # The FLAC through its expiring link.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download song.flac").click()
    saved = tmp_path / "song.flac"
    download.value.save_as(saved)
    decoded = decode(saved)
    assert decoded.audio_codec == "flac" and abs(decoded.duration - 150.0) < 0.5

    alices_urls = [
        page.url,
        f"{detail_url}status/",
        f"{detail_url}waveform.png",
        *(f"{detail_url}play/{n}/" for n in range(4)),
        *(
            base + href
            for href in page.locator("a[href^='/download/']").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
        ),
    ]

    # Dismissed from the keyboard: Tab reaches the button, its focus is visible, Enter works.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('dismiss')"):
            break
    else:
        raise AssertionError("Tab never reached the Dismiss button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), outline
    page.keyboard.press("Enter")
    page.locator("#notices .notice").wait_for(state="detached")
    assert page.locator("#unread").inner_text() == "0"

    # A file that is not media fails, and the notice says why, in words.
    broken = tmp_path / "voice memo.mp3"
    broken.write_bytes(b"ID3" + b"\x00" * 64 + b"not audio at all" * 200)
    arrive_by_hook(server, "alice", broken)
    page.goto(f"{base}/")
    failed = page.locator(".notice.failed", has_text="voice memo.mp3 could not be processed")
    failed.wait_for(timeout=30_000)
    assert failed.locator(".reason").inner_text().strip()
    assert page.locator("#unread").inner_text() == "1"
    shoot(page, "library-failed")

    page.goto(f"{base}/keys/")
    page.get_by_label("Description").fill("laptop scripts")
    page.get_by_role("button", name="Create a key").click()
    assert page.locator("#new-key-secret").inner_text()
    shoot(page, "keys")
    page.goto(f"{base}/accounts/password/")
    shoot(page, "password")

    page.get_by_role("button", name=re.compile("^Sign out")).click()
    page.wait_for_url(f"{base}/accounts/signin/")
    assert page.goto(f"{base}/").url.startswith(f"{base}/accounts/signin/")
    # No script refused by the policy, nothing missing (but the uploader, without its app).
    expected = [] if UPLOADS_APP else [f"{base}/static/uploads/upload.js"]
    assert sorted(set(missing)) == expected, missing
    assert len(errors) == len([u for u in missing if u in expected]), errors
    context.close()

    # Bob sees none of it.
    other = browser.new_context()
    bob = other.new_page()
    sign_up(bob, base, "bob")
    assert "song.mp3" not in bob.content()
    for url in alices_urls:
        assert bob.goto(url).status == 404, url
    other.close()


def test_a_visit_with_the_file_arriving_through_the_completion_hook(
    server: Server, browser: Any, song: Path, tmp_path: Path
) -> None:
    journey(server, browser, song, by_drop=False, tmp_path=tmp_path)


def test_a_visit_uploading_by_drag_and_drop(
    tmp_path_factory: pytest.TempPathFactory, browser: Any, song: Path, tmp_path: Path
) -> None:
    running = start_server(tmp_path_factory.mktemp("browser-drop"))
    try:
        journey(running, browser, song, by_drop=True, tmp_path=tmp_path)
    finally:
        stop_server(running)


def test_a_text_file_named_mp3_is_refused_on_the_page(
    server: Server, browser: Any, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    context = browser.new_context()
    page = context.new_page()
    sign_up(page, base, "carol")
    notes = tmp_path / "notes.mp3"
    notes.write_text("these are my notes, not a song\n" * 100)
    drop_file(page, notes)
    message = page.locator("#upload-message")
    message.wait_for(state="visible", timeout=30_000)
    assert "notes.mp3" in message.inner_text()
    page.reload()
    assert page.get_by_text("No files yet — drop one here").is_visible()
    context.close()
