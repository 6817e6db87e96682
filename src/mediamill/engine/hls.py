"""HLS master playlists (pure text), listing renditions as they were measured.

A variant playlist is written by FFmpeg's ``hls`` muxer with its segments; the master that
groups renditions is written here from each output's ``OutputStats``: BANDWIDTH is the bit
rate of its fullest segment, AVERAGE-BANDWIDTH the bit rate over the whole output, so a
player picks from what was written rather than from what the preset asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from mediamill.engine.run import OutputStats
from mediamill.errors import TranscodeError


def master_playlist(variants: Sequence[tuple[str, OutputStats]], version: int = 3) -> str:
    """The master playlist over ``(uri, stats)`` variants, URIs relative to the master.

    HLSv4 (``version=4``, URIs ``K_v4.m3u8``) also lists each video variant's I-frame
    playlist (``K_iframe.m3u8``) in an ``EXT-X-I-FRAME-STREAM-INF`` line, as ET did.
    """
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{version}"]
    for uri, stats in variants:
        if version == 4 and stats.iframe_bit_rate and stats.width and stats.codecs:
            iframes = uri.removesuffix("_v4.m3u8") + "_iframe.m3u8"
            video_codec = stats.codecs.split(",")[0]
            lines.append(
                f"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={stats.iframe_bit_rate},"
                f'RESOLUTION={stats.width}x{stats.height},CODECS="{video_codec}",URI="{iframes}"'
            )
    for uri, stats in variants:
        if stats.peak_bit_rate is None or stats.bit_rate is None or not stats.codecs:
            raise TranscodeError(f"variant {uri!r} was not measured as a segmented output")
        attributes = [
            "PROGRAM-ID=1",
            f"BANDWIDTH={stats.peak_bit_rate}",
            f"AVERAGE-BANDWIDTH={stats.bit_rate}",
        ]
        if stats.width and stats.height:
            attributes.append(f"RESOLUTION={stats.width}x{stats.height}")
        attributes.append(f'CODECS="{stats.codecs}"')
        if stats.frame_rate:
            attributes.append(f"FRAME-RATE={float(stats.frame_rate):.3f}")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), uri]
    return "\n".join(lines) + "\n"
