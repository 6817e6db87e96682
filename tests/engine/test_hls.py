"""Segmented ``ts`` outputs (HLSv3): ET's five HLS presets as a ladder, read back with the
``m3u8`` package (a maintained parser, not ours) and checked by decoding every segment."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import m3u8
import pytest
from tests.decoded import decode

from mediamill.engine import OutputRequest, OutputResult, transcode
from mediamill.engine.hls import master_playlist
from mediamill.errors import OutputError
from mediamill.presets import get_system
from mediamill.testing import write_video

CLIP_SECONDS = 2.0
SEGMENT = 1.0
#: ET's HLS ladder: 2M, 1.5M, 1M, 600k, 400k (video + audio).
LADDER = [f"1351620000001-2000{n}0" for n in (1, 2, 3, 4, 5)]
AUDIO_ONLY = "1351620000001-200060"


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> list[OutputResult]:
    folder = tmp_path_factory.mktemp("hls")
    clip = write_video(folder / "clip.mp4", CLIP_SECONDS, width=1280, height=720)
    out = folder / "out"
    out.mkdir()
    requests = [
        OutputRequest(get_system(pid), out / f"r{pid[-6:]}", SEGMENT)
        for pid in [*LADDER, AUDIO_ONLY]
    ]
    return transcode(clip, requests)


def segment_starts(result: OutputResult) -> list[float]:
    """Where each segment's first video frame is, and that it is a keyframe."""
    playlist = m3u8.load(str(result.path) + ".m3u8")
    starts = []
    for segment in playlist.segments:
        with av.open(str(result.path.parent / segment.uri)) as container:
            packet = next(p for p in container.demux(video=0) if p.pts is not None)
            assert packet.is_keyframe, f"{segment.uri} does not start on a keyframe"
            assert packet.pts is not None and packet.time_base is not None
            starts.append(float(packet.pts * packet.time_base))
    # The muxer offsets timestamps by the encoder's reordering delay (B-frames or not).
    return [start - starts[0] for start in starts]


@pytest.mark.slow
def test_variant_playlists_name_et_keys_and_every_segment_decodes(
    ladder: list[OutputResult],
) -> None:
    for result in ladder:
        base = result.path.name
        playlist = m3u8.load(str(result.path) + ".m3u8")
        assert playlist.is_endlist and playlist.version == 3
        uris = [s.uri for s in playlist.segments]
        assert uris == [f"{base}{n:05d}.ts" for n in range(len(uris))]
        assert [p.name for p in result.files] == [f"{base}.m3u8", *uris]
        assert all(round(s.duration) <= playlist.target_duration for s in playlist.segments)
        assert sum(s.duration for s in playlist.segments) == pytest.approx(CLIP_SECONDS, abs=0.1)
        decoded = [decode(result.path.parent / uri) for uri in uris]
        assert sum(d.duration for d in decoded) == pytest.approx(CLIP_SECONDS, abs=0.1)
        if result.preset.video is not None:
            assert all(d.video_codec == "h264" and d.audio_codec == "aac" for d in decoded)
            assert result.stats.frame_rate == Fraction(30)
        else:
            assert all(d.video_codec is None and d.audio_codec == "aac" for d in decoded)


@pytest.mark.slow
def test_segment_boundaries_align_across_renditions(ladder: list[OutputResult]) -> None:
    starts = [segment_starts(r) for r in ladder if r.preset.video is not None]
    assert len(starts[0]) == round(CLIP_SECONDS / SEGMENT)
    assert starts[0] == pytest.approx([n * SEGMENT for n in range(len(starts[0]))], abs=0.001)
    for other in starts[1:]:
        assert other == pytest.approx(starts[0], abs=0.001)


@pytest.mark.slow
def test_renditions_follow_their_presets(ladder: list[OutputResult]) -> None:
    # (max width, max height, profile) of 200010 ... 200050
    expected = [
        (1024, 768, "Main"),
        (960, 640, "Main"),
        (640, 432, "Main"),
        (480, 320, "Constrained Baseline"),
        (400, 288, "Constrained Baseline"),
    ]
    for result, (max_w, max_h, profile) in zip(ladder, expected, strict=False):
        first = decode(result.path.parent / f"{result.path.name}00000.ts")
        assert first.video_profile == profile
        assert first.width is not None and first.height is not None
        assert first.width <= max_w and first.height <= max_h
        assert (first.width, first.height) == (result.stats.width, result.stats.height)
        assert first.sample_rate == 44100 and first.channels == 2


@pytest.mark.slow
def test_master_playlist_lists_what_was_measured(ladder: list[OutputResult]) -> None:
    text = master_playlist([(r.path.name + ".m3u8", r.stats) for r in ladder])
    master = m3u8.loads(text)
    assert master.is_variant
    for result, variant in zip(ladder, master.playlists, strict=True):
        info, stats = variant.stream_info, result.stats
        assert variant.uri == result.path.name + ".m3u8"
        sizes = sum(p.stat().st_size for p in result.files[1:])
        assert info.average_bandwidth == round(sizes * 8 / stats.duration)
        assert info.bandwidth >= info.average_bandwidth
        if result.preset.video is not None:
            assert info.resolution == (stats.width, stats.height)
            assert info.frame_rate == pytest.approx(30.0)
            video_codec, audio_codec = info.codecs.split(",")
            assert video_codec.startswith(("avc1.4d", "avc1.42"))  # main, baseline
            assert audio_codec == "mp4a.40.2"
        else:
            assert info.resolution is None and info.codecs == "mp4a.40.2"


@pytest.mark.slow
def test_segmented_output_refuses_existing_files_and_leaves_nothing(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", 1.0, width=320, height=240)
    out = tmp_path / "out"
    out.mkdir()
    (out / "v00001.ts").write_bytes(b"someone else's")
    request = OutputRequest(get_system(LADDER[-1]), out / "v", 1.0)
    small = write_video(tmp_path / "two.mp4", 2.0, width=320, height=240)
    with pytest.raises(OutputError, match="already exists") as caught:
        transcode(small, [request])
    assert caught.value.code == 3002
    assert sorted(p.name for p in out.iterdir()) == ["v00001.ts"], "nothing else left"
    assert (out / "v00001.ts").read_bytes() == b"someone else's"
    assert clip.exists()


@pytest.mark.slow
def test_hlsv4_one_file_byte_ranges_and_iframe_playlist(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", CLIP_SECONDS, width=640, height=360)
    out = tmp_path / "out"
    out.mkdir()
    requests = [
        OutputRequest(get_system(pid), out / f"r{pid[-6:]}", SEGMENT, hls_version=4)
        for pid in (LADDER[-1], AUDIO_ONLY)
    ]
    video, audio = transcode(clip, requests)
    assert [p.name for p in video.files] == ["r200050_v4.m3u8", "r200050_iframe.m3u8", "r200050.ts"]
    assert [p.name for p in audio.files] == ["r200060_v4.m3u8", "r200060.ts"]
    media = out / "r200050.ts"
    playlist = m3u8.load(str(out / "r200050_v4.m3u8"))
    assert playlist.version == 4 and playlist.is_endlist
    ranges = [(s.uri, s.byterange) for s in playlist.segments]
    assert {uri for uri, _ in ranges} == {"r200050.ts"}
    offsets = [tuple(int(n) for n in r.split("@")) for _, r in ranges]
    assert offsets[0][1] == 0 and sum(n for n, _ in offsets) == media.stat().st_size
    for (count, offset), (_, following) in itertools.pairwise(offsets):
        assert offset + count == following, "ranges follow each other"
    data = media.read_bytes()
    for count, offset in offsets:  # each range is a TS that decodes on its own
        piece = tmp_path / "piece.ts"
        piece.write_bytes(data[offset : offset + count])
        assert decode(piece).video_codec == "h264"
    iframes = m3u8.load(str(out / "r200050_iframe.m3u8"))
    assert iframes.is_i_frames_only
    assert len(iframes.segments) == round(CLIP_SECONDS / SEGMENT)
    assert sum(s.duration for s in iframes.segments) == pytest.approx(CLIP_SECONDS, abs=0.1)
    master = m3u8.loads(
        master_playlist(
            [(p.name, r.stats) for p, r in ((video.files[0], video), (audio.files[0], audio))], 4
        )
    )
    assert [p.uri for p in master.playlists] == ["r200050_v4.m3u8", "r200060_v4.m3u8"]
    assert [p.uri for p in master.iframe_playlists] == ["r200050_iframe.m3u8"]
    assert decode(media).duration == pytest.approx(CLIP_SECONDS, abs=0.1)
