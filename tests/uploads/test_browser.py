"""upload.js in Debian's Chromium, against a real `mediamill serve` (with stand-in hooks).

The page is the smallest one that mounts the uploader; the test serves it itself, at the
server's origin (Playwright answers that one URL), so the module, the vendored tus-js-client
and the uploads are the server's own, under the same cookies and CSRF rules as a real page.
The web app's pages, and the full sign-up-to-playback flow, are tested where they live.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests import upload_hooks
from tests.serve_process import Server, start_server, stop_server
from tests.tus_client import WavFile, session_for

from mediamill.testing.pytest_plugin import unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
MiB = 1024 * 1024

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Upload test</title></head>
<body>
<div id="zone"></div>
<script type="module" src="/test-page.js"></script>
</body></html>
"""

SCRIPT = """
import { mountUploader } from "/static/uploads/upload.js";
window.events = [];
window.mounted = mountUploader(document.getElementById("zone"), {
  endpoint: "/uploads/",
  csrfToken: "%(csrf)s",
  metadata: { recipe: "3" },
  onProgress: (file, sent, total) => window.events.push(["progress", file.name, sent, total]),
  onSuccess: (file, result) => window.events.push(["success", file.name, result]),
  onError: (file, message) => window.events.push(["error", file.name, message]),
});
"""

# A text file named .mp3 and a WAV made in the page, dropped on the zone together.
DROP = """
async () => {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const size = 200000;
  const text = (at, s) => [...s].forEach((c, i) => header[at + i] = c.charCodeAt(0));
  text(0, "RIFF"); view.setUint32(4, 36 + size, true); text(8, "WAVEfmt ");
  view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, 8000, true); view.setUint32(28, 16000, true);
  view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, "data"); view.setUint32(40, size, true);
  const samples = new Uint8Array(size).map((_, i) => (i * 37) % 251);
  const transfer = new DataTransfer();
  transfer.items.add(new File([header, samples], "dropped.wav", { type: "audio/wav" }));
  transfer.items.add(new File(["just words\\n".repeat(500)], "notes.mp3", { type: "audio/mpeg" }));
  const zone = document.getElementById("zone");
  zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true }));
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        unavailable("Debian's chromium is not installed (make dev installs it)")
    pytest.importorskip("playwright")
    root = tmp_path_factory.mktemp("uploads-browser")
    running = start_server(
        root,
        module="tests.hooked_serve",
        MEDIAMILL_UPLOAD_CHUNK_MB="5",
        UPLOAD_TEST_COMPLETIONS=str(root / "completions.jsonl"),
    )
    yield running
    stop_server(running)


ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def open_page(playwright: Any, server: Server, session: str, csrf: str) -> tuple[Any, Any]:
    """Chromium with the user's cookies, on the test page; (browser, page)."""
    origin = f"http://127.0.0.1:{server.port}"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    context = browser.new_context()
    context.add_cookies(
        [
            {"name": "sessionid", "value": session, "url": origin},
            {"name": "csrftoken", "value": csrf, "url": origin},
        ]
    )
    page = context.new_page()
    # The web app's policy allows only its own scripts: the module must work under it.
    policy = {"Content-Security-Policy": "default-src 'self'"}
    page.route(
        f"{origin}/test-page",
        lambda r: r.fulfill(body=PAGE, content_type="text/html", headers=policy),
    )
    page.route(
        f"{origin}/test-page.js",
        lambda r: r.fulfill(body=SCRIPT % {"csrf": csrf}, content_type="text/javascript"),
    )
    return browser, page


def wait_until(page: Any, expression: str, timeout: float = 60.0) -> None:
    """Poll ``expression`` in the page (wait_for_function would need 'unsafe-eval')."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def events(page: Any, kind: str) -> list[list[Any]]:
    return [e for e in page.evaluate("window.events") if e[0] == kind]


def test_files_picked_or_dropped_upload_resume_after_a_cut_and_report_back(
    server: Server, tmp_path: Path
) -> None:
    from playwright.sync_api import Route, sync_playwright

    user = "browser-user"
    session = session_for(server, user)
    csrf = "b" * 32
    origin = f"http://127.0.0.1:{server.port}"
    wav = WavFile(12 * MiB + 321)
    picked = tmp_path / "picked.wav"
    wav.write_to(picked)

    cut = {"done": False}

    def cut_second_piece(route: Route) -> None:
        # The browser's second piece is lost on the way, once: tus-js-client must ask the
        # server how far it got (HEAD) and send the rest from there.
        request = route.request
        later_piece = request.method == "PATCH" and request.headers.get("upload-offset") != "0"
        if later_piece and not cut["done"]:
            cut["done"] = True
            route.abort("connectionreset")
            return
        route.continue_()

    with sync_playwright() as playwright:
        browser, page = open_page(playwright, server, session, csrf)
        try:
            page.route(f"{origin}/uploads/*", cut_second_piece)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{origin}/test-page")
            wait_until(page, "window.mounted !== undefined")

            # The picker is a real button, reachable from the keyboard.
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "Choose files"
            page.set_input_files("input[type=file]", str(picked))
            wait_until(page, "window.events.some(e => e[0] !== 'progress')")
            [success] = events(page, "success")
            assert success[1] == "picked.wav" and success[2]["detail_url"].startswith("/files/")
            assert cut["done"]
            progress = [e[2] for e in events(page, "progress")]
            assert progress == sorted(progress) and progress[-1] == wav.length

            page.evaluate(DROP)
            wait_until(page, "window.events.filter(e => e[0] !== 'progress').length === 3")
            done = {e[1]: e for e in page.evaluate("window.events") if e[0] != "progress"}
            assert done["dropped.wav"][0] == "success"
            assert done["notes.mp3"][0] == "error"
            assert "notes.mp3 is not an audio or video file" in done["notes.mp3"][2]
            assert errors == []
        finally:
            browser.close()

    recorded = upload_hooks.recorded(server.data_dir.parent / "completions.jsonl")
    assert sorted(str(c["key"]).rsplit("/", 1)[-1] for c in recorded) == [
        "dropped.wav",
        "picked.wav",
    ]
    [picked_done] = [c for c in recorded if str(c["key"]).endswith("picked.wav")]
    stored = server.data_dir / "buckets" / f"{user}-uploads" / str(picked_done["key"])
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == wav.sha256()
    notes = list((server.data_dir / "buckets" / f"{user}-uploads").rglob("notes.mp3"))
    assert notes == []


def test_an_upload_interrupted_by_a_reload_resumes_where_the_server_got_to(
    server: Server, tmp_path: Path
) -> None:
    from playwright.sync_api import Route, sync_playwright

    user = "reload-user"
    session = session_for(server, user)
    csrf = "r" * 32
    origin = f"http://127.0.0.1:{server.port}"
    wav = WavFile(11 * MiB)
    picked = tmp_path / "reloaded.wav"
    wav.write_to(picked)
    state: dict[str, Any] = {"hold": True, "held": 0, "offsets": []}

    def hold_later_pieces(route: Route) -> None:
        # Until the reload, every piece after the first is lost (tus-js-client keeps
        # retrying): the page goes away with one piece stored.
        request = route.request
        if request.method == "PATCH":
            offset = int(request.headers.get("upload-offset") or 0)
            if state["hold"] and offset:
                state["held"] += 1
                route.abort("connectionreset")
                return
            if not state["hold"]:
                state["offsets"].append(offset)
        route.continue_()

    with sync_playwright() as playwright:
        browser, page = open_page(playwright, server, session, csrf)
        try:
            page.route(f"{origin}/uploads/*", hold_later_pieces)
            page.goto(f"{origin}/test-page")
            wait_until(page, "window.mounted !== undefined")
            page.set_input_files("input[type=file]", str(picked))
            # A second piece is sent only once the server has answered for the first.
            while not state["held"]:
                page.wait_for_timeout(100)
            page.reload()
            state["hold"] = False
            wait_until(page, "window.mounted !== undefined")
            page.set_input_files("input[type=file]", str(picked))
            wait_until(page, "window.events.some(e => e[0] !== 'progress')")
            [success] = events(page, "success")
            assert success[1] == "reloaded.wav"
        finally:
            browser.close()

    # After the reload the browser asked where the upload was and went on from there.
    assert state["offsets"][0] == 5 * MiB, state["offsets"]
    recorded = upload_hooks.recorded(server.data_dir.parent / "completions.jsonl")
    [done] = [c for c in recorded if c["user"] == user]
    stored = server.data_dir / "buckets" / f"{user}-uploads" / str(done["key"])
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == wav.sha256()
