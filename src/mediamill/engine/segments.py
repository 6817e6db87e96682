"""The files of a segmented output after the ``hls`` muxer closed: read, tidied, rewritten.

The muxer cuts audio-only renditions on time, so the encoder's last frame (AAC adds one for
its priming delay) can end up alone in a segment of a few milliseconds, which players and
FFmpeg's own probing cannot identify. A last segment that short is appended to the one
before it (MPEG-TS files from one muxer concatenate: their continuity counters follow on),
and the variant playlist is written again with Elastic Transcoder's header lines.
"""

from __future__ import annotations

import os

#: A last segment shorter than this (seconds) joins the one before it.
MIN_LAST_SEGMENT = 0.25


def read_playlist(path: str) -> list[tuple[str, float]]:
    """``(segment name, seconds)`` of a media playlist the ``hls`` muxer wrote."""
    entries: list[tuple[str, float]] = []
    length: float | None = None
    with open(path, encoding="utf-8") as playlist:
        for line in playlist:
            line = line.strip()
            if line.startswith("#EXTINF:"):
                length = float(line[len("#EXTINF:") :].split(",", 1)[0])
            elif line and not line.startswith("#") and length is not None:
                entries.append((line, length))
                length = None
    return entries


def tidy(playlist: str) -> None:
    """Fold a too-short last segment into the one before; rewrite the playlist."""
    folder = os.path.dirname(playlist)
    entries = read_playlist(playlist)
    if len(entries) > 1 and entries[-1][1] < MIN_LAST_SEGMENT:
        (last, last_length), (previous, previous_length) = entries[-1], entries[-2]
        with (
            open(os.path.join(folder, previous), "ab") as target,
            open(os.path.join(folder, last), "rb") as tail,
        ):
            target.write(tail.read())
        os.unlink(os.path.join(folder, last))
        entries[-2:] = [(previous, previous_length + last_length)]
    with open(playlist, "w", encoding="utf-8") as out:
        out.write(variant_playlist(entries))


def variant_playlist(entries: list[tuple[str, float]]) -> str:
    """An HLSv3 media playlist: the tags Elastic Transcoder wrote, one entry per segment."""
    target = max(1, *(round(length) for _, length in entries))
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-ALLOW-CACHE:YES",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    for name, length in entries:
        lines += [f"#EXTINF:{length:.6f},", name]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
