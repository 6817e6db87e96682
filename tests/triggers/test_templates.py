from __future__ import annotations

import pytest

from mediamill.errors import ValidationError
from mediamill.triggers import templates


@pytest.mark.parametrize(
    ("template", "key", "expected"),
    [
        ("transcoded/{stem}.wav", "media/red flower.mp3", "transcoded/red flower.wav"),
        ("{dir}/out/{name}", "media/live/a.b.mp3", "media/live/out/a.b.mp3"),
        ("{key}.flac", "media/song", "media/song.flac"),
        ("x/{stem}-{ext}", "media/.hidden", "x/.hidden-"),
        ("{dir}|{stem}|{ext}", "song.mp3", "|song|mp3"),
    ],
)
def test_expand(template: str, key: str, expected: str) -> None:
    templates.check(template, "t")
    assert templates.expand(template, key) == expected


@pytest.mark.parametrize("template", ["{nope}.wav", "{0}.wav", "{stem!r}", "{stem:>9}", "{stem"])
def test_bad_templates_are_refused(template: str) -> None:
    with pytest.raises(ValidationError):
        templates.check(template, "output key template")


@pytest.mark.parametrize(
    ("template", "prefix", "start", "end"),
    [
        ("transcoded/{stem}.wav", "media/", "transcoded/", ".wav"),
        ("{dir}/{stem}.wav", "media/in/", "media/in/", ".wav"),
        ("{key}.wav", "media/", "media", ".wav"),
        ("out/{name}", "media/", "out/", ""),
    ],
)
def test_reach(template: str, prefix: str, start: str, end: str) -> None:
    assert templates.reach(template, prefix) == templates.Reach(start, end)
