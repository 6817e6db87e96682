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
#: HLSv4 names after the output's base name ``K``: ``K_v4.m3u8``, ``K_iframe.m3u8``, ``K.ts``.
V4_SUFFIX, IFRAME_SUFFIX = "_v4.m3u8", "_iframe.m3u8"


def read_byte_ranges(path: str) -> list[tuple[float, int, int]]:
    """``(seconds, length, offset)`` of each segment of an HLSv4 media playlist."""
    entries: list[tuple[float, int, int]] = []
    length: float | None = None
    with open(path, encoding="utf-8") as playlist:
        for line in playlist:
            line = line.strip()
            if line.startswith("#EXTINF:"):
                length = float(line[len("#EXTINF:") :].split(",", 1)[0])
            elif line.startswith("#EXT-X-BYTERANGE:") and length is not None:
                count, _, offset = line[len("#EXT-X-BYTERANGE:") :].partition("@")
                entries.append((length, int(count), int(offset or 0)))
                length = None
    return entries


def write_iframe_playlist(media: str, playlist: str) -> int:
    """An I-frame playlist over ``media``: one byte range per keyframe, from its packet to the
    next video packet, lasting until the next keyframe (``#EXT-X-I-FRAMES-ONLY``).

    Returns the bit rate of the keyframes alone (the master's I-frame BANDWIDTH)."""
    import av  # the engine's dependency; imported here so the rest stays pure

    with av.open(media) as container:
        packets = [
            (int(p.pos), float(p.pts * p.time_base), p.is_keyframe)
            for p in container.demux(video=0)
            if p.size
            and p.pos is not None
            and p.pos >= 0
            and p.pts is not None
            and p.time_base is not None
        ]
        end = container.duration / av.time_base if container.duration else None
    frames: list[tuple[int, int, float]] = []  # offset, length, start time
    for i, (pos, start, key) in enumerate(packets):
        if key:
            following = [p[0] for p in packets[i + 1 :] if p[0] > pos]
            stop = following[0] if following else os.path.getsize(media)
            frames.append((pos, stop - pos, float(start)))
    times = [start for _, _, start in frames] + [end if end is not None else frames[-1][2]]
    lengths = [max(times[i + 1] - times[i], 0.0) for i in range(len(frames))]
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:4",
        "#EXT-X-MEDIA-SEQUENCE:0",
        f"#EXT-X-TARGETDURATION:{max(1, *(round(n) for n in lengths))}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-I-FRAMES-ONLY",
    ]
    for (pos, count, _), seconds in zip(frames, lengths, strict=True):
        lines += [f"#EXTINF:{seconds:.6f},", f"#EXT-X-BYTERANGE:{count}@{pos}"]
        lines.append(os.path.basename(media))
    lines.append("#EXT-X-ENDLIST")
    with open(playlist, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    seconds = sum(lengths)
    return round(sum(count for _, count, _ in frames) * 8 / seconds) if seconds else 0


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
