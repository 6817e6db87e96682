"""The engine on audio: every audio system preset, checked by decoding its output."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tests.decoded import decode

from mediamill.engine import OutputRequest, transcode
from mediamill.errors import CanceledError, MediaError, OutputError
from mediamill.presets import get_system

WAV, FLAC, AAC256 = "1351620000001-300300", "1351620000001-300110", "1351620000001-100110"
INPUT_SECONDS = 20.0


def _transcode(src: Path, out: Path, *preset_ids: str, **kwargs: object) -> list[Path]:
    requests = [
        OutputRequest(get_system(pid), out / f"out-{pid}.{get_system(pid).extension}")
        for pid in preset_ids
    ]
    results = transcode(src, requests, **kwargs)  # type: ignore[arg-type]
    return [r.path for r in results]


def test_tutorial_job_wav_flac_aac(song_mp3: Path, tmp_path: Path) -> None:
    progress: list[int] = []
    wav, flac, mp4 = _transcode(song_mp3, tmp_path, WAV, FLAC, AAC256, progress=progress.append)

    d = decode(wav)
    assert (d.container, d.audio_codec, d.sample_format) == ("wav", "pcm_s16le", "s16")
    assert (d.sample_rate, d.channels) == (44100, 2)
    assert d.duration == pytest.approx(INPUT_SECONDS, abs=0.1)

    d = decode(flac)
    assert (d.container, d.audio_codec, d.bits_per_sample) == ("flac", "flac", 16)
    assert (d.sample_rate, d.channels) == (44100, 2)
    assert d.duration == pytest.approx(INPUT_SECONDS, abs=0.1)

    d = decode(mp4)
    assert d.container.startswith("mov,mp4")
    assert (d.audio_codec, d.audio_profile) == ("aac", "LC")
    assert (d.sample_rate, d.channels) == (44100, 2)
    assert d.video_codec is None, "the AAC preset is audio only"
    assert d.audio_bit_rate == pytest.approx(256_000, rel=0.10)
    assert d.duration == pytest.approx(INPUT_SECONDS, abs=0.1)

    assert progress == sorted(progress), "progress must never go backwards"
    assert progress[-1] == 100 and progress.count(100) == 1
    assert len(progress) > 5


# (preset, codec, sample rate, channels, kbit/s or None)
AUDIO_PRESETS = [
    ("1351620000001-100110", "aac", 44100, 2, 256),
    ("1351620000001-100120", "aac", 44100, 2, 160),
    ("1351620000001-100130", "aac", 44100, 2, 128),
    ("1351620000001-100141", "aac", 44100, 1, 64),
    ("1351620000001-300010", "mp3", 44100, 2, 320),
    ("1351620000001-300020", "mp3", 44100, 2, 192),
    ("1351620000001-300030", "mp3", 44100, 2, 160),
    ("1351620000001-300040", "mp3", 44100, 2, 128),
    ("1351620000001-300110", "flac", 44100, 2, None),
    ("1351620000001-300200", "pcm_u8", 44100, 2, None),
    ("1351620000001-300300", "pcm_s16le", 44100, 2, None),
]


#: A shorter input than the tutorial's for the eleven presets: enough to measure bit rates.
PRESETS_INPUT_SECONDS = 4.0


@pytest.fixture(scope="module")
def all_audio_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every audio preset from one decode, the way a multi-output job runs."""
    from mediamill.testing import write_audio

    out = tmp_path_factory.mktemp("audio-presets")
    song = write_audio(out / "song.mp3", PRESETS_INPUT_SECONDS, sample_rate=44100, channels=2)
    ids = [row[0] for row in AUDIO_PRESETS]
    return dict(zip(ids, _transcode(song, out, *ids), strict=True))


@pytest.mark.parametrize(("preset_id", "codec", "rate", "channels", "kbps"), AUDIO_PRESETS)
def test_audio_preset(
    all_audio_outputs: dict[str, Path],
    preset_id: str,
    codec: str,
    rate: int,
    channels: int,
    kbps: int | None,
) -> None:
    d = decode(all_audio_outputs[preset_id])
    assert d.audio_codec == codec
    assert (d.sample_rate, d.channels) == (rate, channels)
    assert d.duration == pytest.approx(PRESETS_INPUT_SECONDS, abs=0.1)
    if kbps is not None:
        assert d.audio_bit_rate == pytest.approx(kbps * 1000, rel=0.10)


def test_resamples_and_downmixes(tmp_path: Path) -> None:
    from mediamill.testing import write_audio

    src = write_audio(tmp_path / "in.wav", 3.0, sample_rate=48000, channels=1)
    (mp3,) = _transcode(src, tmp_path, "1351620000001-300040")
    d = decode(mp3)
    assert (d.sample_rate, d.channels) == (44100, 2)
    assert d.duration == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize("isolate", [True, False])
def test_bad_input_leaves_nothing(truncated_mp3: Path, tmp_path: Path, isolate: bool) -> None:
    with pytest.raises(MediaError, match="truncated"):
        _transcode(truncated_mp3, tmp_path, WAV, FLAC, isolate=isolate)
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_refused_unless_overwrite(song_mp3: Path, tmp_path: Path) -> None:
    target = tmp_path / f"out-{WAV}.wav"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="already exists"):
        _transcode(song_mp3, tmp_path, WAV)
    assert target.read_bytes() == b"keep me"
    _transcode(song_mp3, tmp_path, WAV, overwrite=True)
    assert decode(target).audio_codec == "pcm_s16le"


def test_cancel_stops_and_cleans_up(song_mp3: Path, tmp_path: Path) -> None:
    cancel = threading.Event()

    def on_progress(percent: int) -> None:
        if percent >= 10:
            cancel.set()

    with pytest.raises(CanceledError):
        _transcode(song_mp3, tmp_path, WAV, FLAC, AAC256, progress=on_progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_cancel_in_process(song_mp3: Path, tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CanceledError):
        _transcode(song_mp3, tmp_path, AAC256, cancel=cancel, isolate=False)
    assert list(tmp_path.iterdir()) == []


def test_results_report_what_elastic_transcoder_did(song_mp3: Path, tmp_path: Path) -> None:
    preset = get_system(AAC256)
    (result,) = transcode(song_mp3, [OutputRequest(preset, tmp_path / "song.m4a")])
    assert result.stats.duration == pytest.approx(INPUT_SECONDS, abs=0.1)
    assert result.stats.duration_millis == pytest.approx(20_000, abs=100)
    assert result.stats.file_size == (tmp_path / "song.m4a").stat().st_size
    assert result.stats.width is None and result.stats.height is None


def test_outputs_start_at_zero_and_aac_priming_is_trimmed(song_mp3: Path, tmp_path: Path) -> None:
    import av

    (mp4,) = _transcode(song_mp3, tmp_path, AAC256)
    with av.open(str(mp4)) as container:
        stream = container.streams.audio[0]
        assert stream.start_time == 0, "the MP3 decoder's delay is not carried into the output"
        # An edit list hides the encoder's 1024 priming samples: exactly the input's length.
        assert stream.duration is not None and stream.time_base is not None
        assert float(stream.duration * stream.time_base) == pytest.approx(INPUT_SECONDS, abs=0.005)


def test_output_size_limit_fails_the_transcode_cleanly(song_mp3: Path, tmp_path: Path) -> None:
    from mediamill.errors import ResourceLimitError
    from mediamill.sandbox import Limits

    # 20 s of 16-bit stereo WAV is 3.4 MiB: a 1 MiB limit stops it, and nothing is left.
    with pytest.raises(ResourceLimitError, match="file size limit"):
        _transcode(song_mp3, tmp_path, WAV, limits=Limits(memory_mb=2048, timeout=60, file_mb=1))
    assert list(tmp_path.iterdir()) == []
