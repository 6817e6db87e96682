"""A corpus of hostile and broken media, generated here (PyAV and byte surgery, no downloads).

Each ``HostileCase`` writes one file and says what a correct service does with it: fail the
job with an error whose message matches ``error``, or (``error`` is None) transcode it into
outputs that decode and last at most ``max_seconds``. The files are short so the whole
corpus runs in well under a minute; tests, benchmarks and tools share it:

    for case in CASES:
        path = case.make(folder)

Cases cover what an outside review threw at the service: files that are not media (text,
images, archives, playlists), truncated and damaged files, lying headers (durations, sample
rates, channel counts, frame sizes), decompression bombs, timestamp gaps, nested containers
and small files that expand enormously.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from mediamill.testing.media import encode_audio, write_audio, write_video

WAV = "1351620000001-300300"  # PCM 16-bit 44.1 kHz stereo
MP3 = "1351620000001-300040"  # MP3 128k
SMALL_MP4 = "1351620000001-000061"  # H.264 320x240 15 fps + AAC

#: Error messages for input that is not media at all.
NOT_MEDIA = r"not a media file|not in a format mediamill accepts|no audio or video stream"
LIMIT = r"MEDIAMILL_"


@dataclass(frozen=True)
class HostileCase:
    name: str
    filename: str
    build: Callable[[Path], None]
    error: str | None  # regex the job's error must match; None: must transcode
    presets: tuple[str, ...] = (WAV, MP3)
    max_seconds: float = 5.0  # longest acceptable output
    min_seconds: float = 0.0

    def make(self, folder: Path) -> Path:
        path = folder / self.filename
        self.build(path)
        return path


# --- building blocks ------------------------------------------------------------------------


def _bytes(data: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data)

    return build


def _random(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _wav(
    *,
    channels: int = 2,
    rate: int = 44100,
    frames: int = 44100,
    bits: int = 16,
    declared_frames: int | None = None,
    payload: bytes | None = None,
) -> bytes:
    """A RIFF/WAVE PCM file; ``declared_frames`` lets the header lie about the data size."""
    block = channels * bits // 8
    if payload is None:
        # A 441 Hz square wave (at 44.1 kHz), built by repetition rather than sample by sample.
        half = max(1, rate // 882)
        period = (struct.pack("<h", 6000) * channels * half) + (
            struct.pack("<h", -6000) * channels * half
        )
        payload = (period * (frames // (2 * half) + 1))[: frames * block]
    size = len(payload) if declared_frames is None else declared_frames * block
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)
    riff = 4 + 8 + len(fmt) + 8 + size
    return (
        b"RIFF"
        + struct.pack("<I", min(riff, 0xFFFFFFFF))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", min(size, 0xFFFFFFFF))
        + payload
    )


def _audio(seconds: float, **kwargs: Any) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        write_audio(path, seconds, **kwargs)

    return build


def _audio_bytes(suffix: str, seconds: float) -> bytes:
    buffer = Path(os.environ.get("TMPDIR", "/tmp"))
    scratch = buffer / f"mediamill-hostile-{os.getpid()}{suffix}"
    try:
        write_audio(scratch, seconds)
        return scratch.read_bytes()
    finally:
        scratch.unlink(missing_ok=True)


def _video_bytes(seconds: float, suffix: str = ".mp4", **kwargs: Any) -> bytes:
    buffer = Path(os.environ.get("TMPDIR", "/tmp"))
    scratch = buffer / f"mediamill-hostile-{os.getpid()}{suffix}"
    try:
        write_video(scratch, seconds, **kwargs)
        return scratch.read_bytes()
    finally:
        scratch.unlink(missing_ok=True)


def _with_bytes(make: Callable[[], bytes]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(make())

    return build


def _png(width: int, height: int, idat: bytes | None = None) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    if idat is None:
        idat = zlib.compress(b"".join(b"\0" + b"\x80" * 3 * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _gif() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
        b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def _jpeg() -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mjpeg") as container:
        stream: Any = container.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        with av.open("color=c=red:s=64x48:d=1:r=1", format="lavfi") as source:
            frame = next(source.decode(video=0))
            container.mux(stream.encode(frame.reformat(format="yuvj420p")))
        container.mux(stream.encode(None))
    return out.getvalue()


def _avi_frame(codec: str, pix_fmt: str) -> bytes:
    """A one-frame AVI, 64x48, whose picture is coded with ``codec``."""
    out = io.BytesIO()
    with av.open(out, "w", format="avi") as container:
        stream: Any = container.add_stream(codec, rate=1)
        stream.width, stream.height, stream.pix_fmt = 64, 48, pix_fmt
        with av.open("color=c=green:s=64x48:d=1:r=1", format="lavfi") as source:
            frame = next(source.decode(video=0)).reformat(format=pix_fmt)
            frame.pts = 0
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


def _avi_claiming(width: int, height: int, codec: str = "mjpeg", pix: str = "yuvj420p") -> bytes:
    """An AVI whose headers claim a ``width`` x ``height`` picture (a decompression bomb)."""
    data = bytearray(_avi_frame(codec, pix))
    avih = data.find(b"avih") + 8
    data[avih + 32 : avih + 40] = struct.pack("<II", width, height)
    strf = data.find(b"strf") + 8
    data[strf + 4 : strf + 12] = struct.pack("<ii", width, height)
    sof = data.find(b"\xff\xc0")  # the JPEG's own frame header: precision, height, width
    if sof >= 0:
        data[sof + 5 : sof + 9] = struct.pack(">HH", min(height, 65535), min(width, 65535))
    return bytes(data)


def _avi_png_lying_inside(width: int, height: int) -> bytes:
    """An AVI of PNG frames whose container says 64x48 but whose picture says more."""
    data = bytearray(_avi_frame("png", "rgb24"))
    start = data.find(b"\x89PNG")
    ihdr = data.find(b"IHDR", start)
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def _timestamp_gap_video(
    path: Path,
    *,
    seconds: float,
    gap_at: float,
    gap: float,
    size: str = "160x120",
    rate: int = 10,
    audio: bool = True,
    source: str = "testsrc2",
) -> None:
    """Video (and audio) whose timestamps jump ``gap`` seconds forward at ``gap_at``."""
    width, height = (int(n) for n in size.split("x"))
    with av.open(os.fspath(path), "w", format="mp4") as out:
        video: Any = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast"}
        sound: Any = out.add_stream("aac", rate=44100, layout="mono") if audio else None
        spec = f"{source}{':' if '=' in source else '='}s={size}:r={rate}:d={seconds}"
        with av.open(spec, format="lavfi") as frames:
            for i, frame in enumerate(frames.decode(video=0)):
                at = i / rate
                frame.pts = round((at + (gap if at >= gap_at else 0)) * rate)
                frame.time_base = Fraction(1, rate)
                out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is None:
            return
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=44100, frame_size=1024)
        position = 0
        with av.open(f"sine=f=330:d={seconds}", format="lavfi") as tone:
            for piece in tone.decode(audio=0):
                piece.pts = None
                for chunk in resampler.resample(piece):
                    at = position / 44100
                    chunk.pts = round((at + (gap if at >= gap_at else 0)) * 44100)
                    chunk.time_base = Fraction(1, 44100)
                    out.mux(sound.encode(chunk))
                    position += chunk.samples
        out.mux(sound.encode(None))


def _last_frame_lasting(path: Path, seconds: float) -> None:
    """2 s of video whose last frame claims to last ``seconds``: the header says ~that long."""
    with av.open(os.fspath(path), "w", format="mp4") as out:
        video: Any = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        video.options = {"preset": "ultrafast"}
        packets = []
        with av.open("testsrc2=s=160x120:r=10:d=2", format="lavfi") as frames:
            for frame in frames.decode(video=0):
                frame.pts = None
                packets += video.encode(frame)
        packets += video.encode(None)
        last = packets[-1]
        last.duration = int(seconds / last.time_base)
        for packet in packets:
            out.mux(packet)


def short_header_mkv(path: Path, seconds: float = 2.0, declared: float = 0.5) -> None:
    """Matroska holding ``seconds`` of PCM whose header declares only ``declared`` seconds."""
    with av.open(os.fspath(path), "w", format="matroska") as out:
        stream: Any = out.add_stream("pcm_s16le", rate=44100, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=44100)
        with av.open(f"sine=f=500:d={seconds}:r=44100", format="lavfi") as tone:
            for frame in tone.decode(audio=0):
                frame.pts = None
                for chunk in resampler.resample(frame):
                    out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    data = bytearray(path.read_bytes())
    at = data.find(b"\x44\x89\x88")  # Segment Info > Duration, an 8-byte float in ms
    data[at + 3 : at + 11] = struct.pack(">d", declared * 1000)
    path.write_bytes(bytes(data))


def _flac_silence(path: Path) -> None:
    encode_audio("anullsrc=r=44100:cl=mono,atrim=duration=300", path, channels=1)


def _mp3_in_wav(path: Path) -> None:
    """A WAV whose data is MP3 frames (WAVE_FORMAT_MPEGLAYER3): a container in a container."""
    mp3 = _audio_bytes(".mp3", 1.5)
    fmt = struct.pack("<HHIIHH", 0x55, 2, 44100, 24000, 1, 0) + struct.pack("<H", 0)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(mp3)) + mp3
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def _zip_of_mp3(path: Path, compression: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("song.mp3", _audio_bytes(".mp3", 1.0))


def _id3_only() -> bytes:
    picture = b"\x00image/png\x00\x03\x00" + _png(8, 8)
    frame = b"APIC" + struct.pack(">I", len(picture)) + b"\x00\x00" + picture
    size = len(frame)
    synchsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + synchsafe + frame


def _huge_id3() -> bytes:
    # A tag declaring 256 MiB, followed by one second of MP3.
    return b"ID3\x03\x00\x00\x7f\x7f\x7f\x7f" + _audio_bytes(".mp3", 1.0)


def _cut(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


def _damaged_middle(data: bytes, seed: int) -> bytes:
    noise = random.Random(seed)
    buffer = bytearray(data)
    for i in range(len(buffer) // 3, 2 * len(buffer) // 3):
        buffer[i] = noise.randrange(256)
    return bytes(buffer)


def _faststart_mp4(seconds: float) -> bytes:
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"mediamill-hostile-fs-{os.getpid()}.mp4"
    try:
        with av.open(os.fspath(scratch), "w", options={"movflags": "+faststart"}) as out:
            stream: Any = out.add_stream("aac", rate=44100, layout="stereo")
            resampler = av.AudioResampler(
                format="fltp", layout="stereo", rate=44100, frame_size=1024
            )
            with av.open(f"sine=f=440:d={seconds}", format="lavfi") as tone:
                for frame in tone.decode(audio=0):
                    frame.pts = None
                    for chunk in resampler.resample(frame):
                        out.mux(stream.encode(chunk))
            out.mux(stream.encode(None))
        return scratch.read_bytes()
    finally:
        scratch.unlink(missing_ok=True)


def _tiny_video(path: Path) -> None:
    write_video(path, 1.0, width=16, height=16, frame_rate=10, audio=False)


def _fast_timestamps(path: Path) -> None:
    """60 frames one microsecond apart: a 1,000,000 fps video lasting 60 microseconds."""
    with av.open(os.fspath(path), "w", format="matroska") as out:
        video: Any = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.options = {"preset": "ultrafast"}
        video.time_base = Fraction(1, 1_000_000)
        with av.open("testsrc2=s=64x48:r=25:d=2.4", format="lavfi") as frames:
            for i, frame in enumerate(frames.decode(video=0)):
                frame.pts = i
                frame.time_base = Fraction(1, 1_000_000)
                out.mux(video.encode(frame))
        out.mux(video.encode(None))


# --- the corpus -----------------------------------------------------------------------------

_TEXT = b"This is not a song.\n" * 40
_PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n/etc/hostname\n#EXT-X-ENDLIST\n"
_CONCAT = b"ffconcat version 1.0\nfile '/etc/hostname'\n"
_SDP = b"v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 9 RTP/AVP 0\n"

CASES: tuple[HostileCase, ...] = (
    # Not media at all, whatever the name says.
    HostileCase("empty", "empty.mp3", _bytes(b""), r"empty \(0 bytes\)"),
    HostileCase("one-byte", "one.wav", _bytes(b"\0"), NOT_MEDIA),
    HostileCase("text-as-mp3", "notes.mp3", _bytes(_TEXT), NOT_MEDIA),
    HostileCase("html-as-mp4", "page.mp4", _bytes(b"<!doctype html><html>" + _TEXT), NOT_MEDIA),
    HostileCase("json-as-wav", "data.wav", _bytes(b'{"song": "' + _TEXT + b'"}'), NOT_MEDIA),
    HostileCase("random-bytes", "noise.mp4", _bytes(_random(64 * 1024, 1)), NOT_MEDIA),
    HostileCase("zeros", "zeros.wav", _bytes(bytes(256 * 1024)), NOT_MEDIA),
    HostileCase("png-as-audio", "cover.mp3", _bytes(_png(32, 32)), NOT_MEDIA),
    HostileCase("jpeg-as-audio", "photo.wav", _with_bytes(_jpeg), NOT_MEDIA),
    HostileCase("gif-as-video", "anim.mp4", _bytes(_gif()), NOT_MEDIA),
    HostileCase("zip-of-mp3", "album.mp3", _zip_of_mp3, NOT_MEDIA),
    # Stored (not compressed), the MP3 inside is found and is what gets transcoded.
    HostileCase(
        "zip-stored-mp3",
        "stored.mp3",
        lambda path: _zip_of_mp3(path, zipfile.ZIP_STORED),
        None,
        max_seconds=1.5,
        min_seconds=0.8,
    ),
    HostileCase("hls-playlist", "list.m3u8", _bytes(_PLAYLIST), NOT_MEDIA),
    HostileCase("concat-list", "list.mp3", _bytes(_CONCAT), NOT_MEDIA),
    HostileCase("sdp-session", "stream.mp4", _bytes(_SDP), NOT_MEDIA),
    HostileCase(
        "subtitles", "film.mp4", _bytes(b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\n"), NOT_MEDIA
    ),
    HostileCase("id3-tag-only", "tag.mp3", _bytes(_id3_only()), NOT_MEDIA),
    # Truncated and damaged.
    HostileCase(
        "truncated-mp4",
        "cut.mp4",
        _with_bytes(lambda: _cut(_video_bytes(2, width=160, height=120), 0.5)),
        r"not a media file|cannot open|corrupt|truncated|no frames",
        presets=(SMALL_MP4,),
    ),
    HostileCase(
        "truncated-faststart-mp4",
        "cut-fast.m4a",
        _with_bytes(lambda: _cut(_faststart_mp4(6), 0.4)),
        r"truncated",
    ),
    HostileCase(
        # FFmpeg bounds a WAV's data by the file's size: what is there is transcoded.
        "truncated-wav",
        "cut.wav",
        _bytes(_wav(frames=22050, declared_frames=264600)),
        None,
        max_seconds=0.6,
        min_seconds=0.4,
    ),
    HostileCase(
        "truncated-flac",
        "cut.flac",
        _with_bytes(lambda: _cut(_audio_bytes(".flac", 6), 0.5)),
        r"truncated",
    ),
    HostileCase(
        "truncated-mp3",
        "cut.mp3",
        _with_bytes(lambda: _cut(_audio_bytes(".mp3", 4), 0.5)),
        r"truncated",  # its Xing header gives the whole length
    ),
    HostileCase(
        "damaged-middle-mp3",
        "damaged.mp3",
        _with_bytes(lambda: _damaged_middle(_audio_bytes(".mp3", 3), 2)),
        None,
        max_seconds=3.5,
        min_seconds=1.0,
    ),
    HostileCase(
        "damaged-middle-mp4",
        "damaged.mp4",
        _with_bytes(lambda: _damaged_middle(_video_bytes(2, width=160, height=120), 3)),
        None,  # H.264 conceals the damage
        max_seconds=2.2,
        min_seconds=1.5,
        presets=(SMALL_MP4,),
    ),
    HostileCase(
        "garbage-after-wav-header",
        "noise.wav",
        _bytes(_wav(payload=_random(88200, 4))),
        None,
        max_seconds=0.6,
        min_seconds=0.4,
    ),
    HostileCase(
        "garbage-after-mp3",
        "tail.mp3",
        _with_bytes(lambda: _audio_bytes(".mp3", 1.5) + _random(200 * 1024, 5)),
        r"truncated or damaged",
    ),
    HostileCase(
        "garbage-before-mp3",
        "head.mp3",
        _with_bytes(lambda: _random(4096, 6) + _audio_bytes(".mp3", 1.5)),
        None,
        max_seconds=2.0,
        min_seconds=1.0,
    ),
    HostileCase("huge-id3-tag", "tagged.mp3", _with_bytes(_huge_id3), NOT_MEDIA),
    # Names that lie, containers in containers: judged by content.
    HostileCase(
        "mp3-named-wav",
        "song.wav",
        _with_bytes(lambda: _audio_bytes(".mp3", 1.0)),
        None,
        max_seconds=1.5,
        min_seconds=0.8,
    ),
    HostileCase(
        "video-named-mp3",
        "clip.mp3",
        _with_bytes(lambda: _video_bytes(1.0, width=160, height=120)),
        None,
        max_seconds=1.5,
        min_seconds=0.8,
    ),
    HostileCase(
        "mp3-inside-wav", "wrapped.wav", _mp3_in_wav, None, max_seconds=2.0, min_seconds=1.0
    ),
    HostileCase(
        "video-without-audio-to-audio",
        "mute.mp4",
        _with_bytes(lambda: _video_bytes(1.0, width=160, height=120, audio=False)),
        r"no audio stream",
    ),
    # Lying or absurd parameters.
    HostileCase(
        "wav-1-hz",
        "slow.wav",
        _bytes(_wav(channels=2, rate=1, frames=2000)),
        r"sample rate of 1 Hz",
    ),
    HostileCase(
        "wav-4-ghz",
        "fast.wav",
        _bytes(_wav(rate=4_000_000_000 // 2, frames=100)),
        r"sample rate|not a media file|cannot open|corrupt",
    ),
    HostileCase(
        "wav-0-channels",
        "none.wav",
        _bytes(_wav(channels=0, frames=0, payload=b"\0" * 1000)),
        NOT_MEDIA + r"|cannot open|channels",
    ),
    HostileCase(
        "wav-64-channels",
        "many.wav",
        _bytes(_wav(channels=64, frames=11025)),
        None,
        max_seconds=0.4,
        min_seconds=0.2,
    ),
    HostileCase(
        "wav-255-channels",
        "too-many.wav",
        _bytes(_wav(channels=255, frames=2000)),
        r"at most 64|channels|cannot open",
    ),
    HostileCase(
        "wav-data-size-lies",
        "long.wav",
        _bytes(_wav(frames=22050, declared_frames=0x7FFFFFFF // 4)),
        None,
        max_seconds=0.7,
        min_seconds=0.3,
    ),
    HostileCase(
        "avi-claims-30000x30000",
        "bomb.avi",
        _bytes(_avi_claiming(30000, 30000)),
        # FFmpeg refuses the size itself
        r"larger than mediamill decodes|could not be decoded",
        presets=(SMALL_MP4,),
    ),
    HostileCase(
        "avi-claims-20000x8",
        "wide.avi",
        _bytes(_avi_claiming(20000, 8)),
        r"larger than mediamill decodes",
        presets=(SMALL_MP4,),
    ),
    HostileCase(
        "png-frame-claims-16000x16000",
        "inner.avi",
        _bytes(_avi_png_lying_inside(16000, 16000)),
        r"corrupt|decod|no frames|memory limit|MEDIAMILL_",
        presets=(SMALL_MP4,),
    ),
    HostileCase(
        "tiny-16x16-video",
        "tiny.mp4",
        _tiny_video,
        None,
        presets=(SMALL_MP4,),
        max_seconds=1.5,
        min_seconds=0.5,
    ),
    HostileCase(
        "million-fps", "fast.mkv", _fast_timestamps, None, presets=(SMALL_MP4,), max_seconds=1.0
    ),
    # Durations: lying headers, gaps, small files that expand.
    HostileCase(
        "header-says-36001-s",
        "long-header.mp4",
        lambda path: _last_frame_lasting(path, 36000),
        r"declares 36001.9 s but its media stops at 1.9 s",
        presets=(SMALL_MP4,),
    ),
    HostileCase(
        "gap-54-s-for-10-s",
        "gap.mp4",
        lambda path: _timestamp_gap_video(path, seconds=10, gap_at=5, gap=44),
        None,
        presets=(SMALL_MP4, WAV),
        max_seconds=10.6,
        min_seconds=9.5,
    ),
    HostileCase(
        # The review's file: 7.5 KB that became a minute of 1080p.
        "two-1080p-frames-60-s-apart",
        "two-60.mp4",
        lambda path: _timestamp_gap_video(
            path,
            seconds=1,
            gap_at=0.5,
            gap=60,
            size="1920x1080",
            rate=2,
            audio=False,
            source="color=c=navy",
        ),
        None,
        presets=(SMALL_MP4,),
        max_seconds=1.6,
    ),
    HostileCase(
        "two-1080p-frames-an-hour-apart",
        "two.mp4",
        lambda path: _timestamp_gap_video(
            path,
            seconds=1,
            gap_at=0.5,
            gap=3600,
            size="1920x1080",
            rate=2,
            audio=False,
            source="color=c=navy",
        ),
        None,
        presets=(SMALL_MP4,),
        max_seconds=1.6,
    ),
    HostileCase(
        "header-too-short",
        "short-header.mkv",
        short_header_mkv,
        None,
        max_seconds=2.2,
        min_seconds=1.8,
    ),
    HostileCase(
        "flac-silence-to-wav",
        "silence.flac",
        _flac_silence,
        r"MEDIAMILL_OUTPUT_RATIO_MAX",
        presets=(WAV,),
    ),
)
