"""Behind a TLS-terminating proxy: the admin works over HTTPS, cookies are Secure.

A real `mediamill serve` with ``MEDIAMILL_BEHIND_PROXY=true`` and an https public URL; the
test plays the proxy, sending what nginx or Caddy would (``X-Forwarded-Proto``,
``X-Forwarded-For``) and what a browser would (``Origin``, cookies).
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from tests.serve_process import Server, start_server, stop_server

from mediamill.testing.processes import child_env

#: Each test starts a real `mediamill serve`.
pytestmark = pytest.mark.slow

PUBLIC = "https://media.example.com"
HOST = "media.example.com"
PASSWORD = "kettle-lantern-orchid-52"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("proxy")
    settings: dict[str, str] = {"MEDIAMILL_BEHIND_PROXY": "true", "MEDIAMILL_PUBLIC_URL": PUBLIC}
    created = subprocess.run(
        [sys.executable, "-m", "mediamill", "createuser", "root", "--admin", "--password-stdin"],
        input=PASSWORD + "\n",
        env=child_env({"MEDIAMILL_DATA_DIR": str(Path(root, "data")), **settings}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    running = start_server(root, file_limit=None, **settings)
    yield running
    stop_server(running)


def request(
    server: Server, method: str, path: str, headers: dict[str, str], body: str = ""
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    proxied = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    connection.request(method, path, body=body.encode(), headers={**proxied, **headers})
    response = connection.getresponse()
    response.read()
    return response


def cookies(response: http.client.HTTPResponse) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar


def login_form(server: Server) -> tuple[str, str]:
    """The CSRF cookie and the form's token, as a browser gets them from the sign-in page."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/admin/login/", headers={"Host": HOST, "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    page = response.read().decode()
    assert response.status == 200
    jar = cookies(response)
    assert jar["csrftoken"]["secure"], "the CSRF cookie is Secure behind HTTPS"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    return jar["csrftoken"].value, token.group(1)


def post_login(server: Server, origin: str) -> http.client.HTTPResponse:
    cookie, token = login_form(server)
    form = f"csrfmiddlewaretoken={token}&username=root&password={PASSWORD}&next=/admin/"
    return request(
        server,
        "POST",
        "/admin/login/",
        {
            "Origin": origin,
            "Referer": f"{PUBLIC}/admin/login/",
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        form,
    )


def test_the_admin_sign_in_works_over_https_through_the_proxy(server: Server) -> None:
    response = post_login(server, PUBLIC)
    assert response.status == 302, f"sign-in refused with {response.status}"
    assert response.headers["Location"] == "/admin/"
    session = cookies(response)["sessionid"]
    assert session["secure"] and session["httponly"]
    admin = request(server, "GET", "/admin/", {"Cookie": f"sessionid={session.value}"})
    assert admin.status == 200


def test_a_post_from_another_origin_is_still_refused(server: Server) -> None:
    assert post_login(server, "https://evil.example.net").status == 403
