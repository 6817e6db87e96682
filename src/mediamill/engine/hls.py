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


def master_playlist(variants: Sequence[tuple[str, OutputStats]]) -> str:
    """The master playlist over ``(uri, stats)`` variants, URIs relative to the master."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
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
