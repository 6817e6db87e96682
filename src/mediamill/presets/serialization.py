"""Elastic Transcoder's JSON preset shape, to and from the typed model.

``parse`` is the only way wire settings become a ``Preset``. A custom preset is first checked
against the service model's constraints (``servicemodel``: required members, types, lengths,
patterns), every violation reported at once in AWS's words; then against the rules the model
does not state, in ``presets.rules`` (codecs per container, bit-rate and size ranges, codec
options per codec), again all at once, each naming its field the way the wire does
(``Audio.CodecOptions.BitDepth``, ``Video.Watermarks[2].Opacity``). System presets, written in
code, go through the second step only (three of their names are longer than the model's 40).

``to_wire`` produces the ``Preset`` object of ReadPreset/ListPresets. Every value is a JSON
string. ``None`` settings that mean "auto" are written as ``"auto"`` (SampleRate, Channels,
Video BitRate/FrameRate/MaxWidth/MaxHeight, Thumbnails MaxWidth/MaxHeight); settings that are
simply unset are left out. ``Video.CodecOptions`` is written from ``VideoSettings.codec_options``,
the map as it was received, so it matches what the client sent key for key.

The ARN names the caller's region and account, which this pure module does not know: pass
``arn=preset_arn(...)`` to include one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from mediamill import servicemodel
from mediamill.errors import PresetValidationError
from mediamill.presets import rules
from mediamill.presets.model import (
    AudioSettings,
    Preset,
    PresetType,
    ThumbnailSettings,
    VideoSettings,
    Watermark,
)

_NAME_TOO_LONG = re.compile(r"Value '.*' at 'name' .* less than or equal to \d+", re.DOTALL)
_PRESET_FIELDS = (
    "Id",
    "Arn",
    "Name",
    "Description",
    "Container",
    "Audio",
    "Video",
    "Thumbnails",
    "Type",
)
#: The members each section may have: what ``parse`` accepts and the API's OpenAPI
#: description lists.
AUDIO_FIELDS = ("Codec", "SampleRate", "BitRate", "Channels", "AudioPackingMode", "CodecOptions")
AUDIO_OPTIONS = ("Profile", "BitDepth", "BitOrder", "Signed")
VIDEO_FIELDS = (
    "Codec",
    "CodecOptions",
    "KeyframesMaxDist",
    "FixedGOP",
    "BitRate",
    "FrameRate",
    "MaxFrameRate",
    "Resolution",
    "AspectRatio",
    "MaxWidth",
    "MaxHeight",
    "DisplayAspectRatio",
    "SizingPolicy",
    "PaddingPolicy",
    "Watermarks",
)
#: Wire key -> ``Watermark`` attribute.
WATERMARK_FIELDS = {
    "Id": "id",
    "MaxWidth": "max_width",
    "MaxHeight": "max_height",
    "SizingPolicy": "sizing_policy",
    "HorizontalAlign": "horizontal_align",
    "HorizontalOffset": "horizontal_offset",
    "VerticalAlign": "vertical_align",
    "VerticalOffset": "vertical_offset",
    "Opacity": "opacity",
    "Target": "target",
}
THUMBNAIL_FIELDS = (
    "Format",
    "Interval",
    "Resolution",
    "AspectRatio",
    "MaxWidth",
    "MaxHeight",
    "SizingPolicy",
    "PaddingPolicy",
)


def preset_arn(preset_id: str, *, region: str, account: str) -> str:
    """A preset's ARN. The account is the caller's, for system presets too."""
    return f"arn:aws:elastictranscoder:{region}:{account}:preset/{preset_id}"


def parse(wire: Mapping[str, Any], *, preset_id: str, preset_type: str = "Custom") -> Preset:
    """Turn a wire preset (CreatePreset's body, or a ReadPreset ``Preset``) into a ``Preset``.

    ``preset_id`` and ``preset_type`` are assigned by the server, so ``Id``, ``Arn`` and
    ``Type`` in ``wire`` are accepted and ignored. Only custom presets are held to the
    40-character ``Name`` limit. Raises ``PresetValidationError`` listing every violation.
    """
    kind: PresetType
    if preset_type == "System":
        kind = "System"
    elif preset_type == "Custom":
        kind = "Custom"
    else:
        raise ValueError(f"preset_type must be 'System' or 'Custom', not {preset_type!r}")

    if not isinstance(wire, Mapping):
        raise PresetValidationError([f"a preset must be a JSON object, not {_json_type(wire)}"])
    # The service model's constraints first, in AWS's words; then the rules it does not state
    # (codecs per container, bit-rate ranges, even sizes...), reported for the members the
    # model found nothing wrong with.
    structural = servicemodel.violations("CreatePresetRequest", wire, "")
    if kind == "System":  # the model's 40 is CreatePreset's; AWS's own names are longer
        structural = [v for v in structural if not _NAME_TOO_LONG.fullmatch(v)]
    check = _Checker(flagged={_flagged_member(v).lower() for v in structural})
    if not rules.PRESET_ID_PATTERN.fullmatch(preset_id):
        check.fail(f"Id {preset_id!r} must match {rules.PRESET_ID_PATTERN_TEXT}")
    check.known(wire, "", _PRESET_FIELDS)

    name = check.value(wire, "", "Name")
    description = check.value(wire, "", "Description")
    container = check.value(wire, "", "Container")

    audio_wire = check.value(wire, "", "Audio")
    video_wire = check.value(wire, "", "Video")
    thumbnails_wire = check.value(wire, "", "Thumbnails")
    audio = None if audio_wire is None else _parse_audio(check, audio_wire, container)
    video = None if video_wire is None else _parse_video(check, video_wire, container)
    thumbnails = None if thumbnails_wire is None else _parse_thumbnails(check, thumbnails_wire)

    if container is not None:
        takes_audio = bool(rules.AUDIO_CODECS_BY_CONTAINER[container])
        takes_video = bool(rules.VIDEO_CODECS_BY_CONTAINER[container])
        if not takes_video:
            if video_wire is not None:
                check.fail(f"Video is not allowed in audio-only container {container!r}")
            if thumbnails_wire is not None:
                check.fail(f"Thumbnails are not allowed in audio-only container {container!r}")
            if audio_wire is None:
                check.fail(f"Audio is required for audio-only container {container!r}")
        if not takes_audio:
            if audio_wire is not None:
                check.fail(f"Audio is not allowed in container {container!r}")
            if video_wire is None:
                check.fail(f"Video is required for container {container!r}")
        if takes_audio and takes_video:
            if audio_wire is None and video_wire is None:
                check.fail("a preset needs Audio, Video or both")
            if thumbnails_wire is not None and video_wire is None:
                check.fail("Thumbnails need a Video section")

    if structural or check.violations:
        raise PresetValidationError(structural + check.violations)
    assert name is not None and container is not None  # a missing one is a violation above
    return Preset(
        id=preset_id,
        name=name,
        container=container,
        description=description or "",
        type=kind,
        audio=audio,
        video=video,
        thumbnails=thumbnails,
    )


def to_wire(preset: Preset, *, arn: str | None = None) -> dict[str, Any]:
    """The ReadPreset/ListPresets ``Preset`` object for ``preset``; ``Arn`` only if given."""
    wire: dict[str, Any] = {"Id": preset.id}
    if arn is not None:
        wire["Arn"] = arn
    wire["Name"] = preset.name
    wire["Description"] = preset.description
    wire["Container"] = preset.container
    if preset.audio is not None:
        wire["Audio"] = _audio_to_wire(preset.audio)
    if preset.video is not None:
        wire["Video"] = _video_to_wire(preset.video)
    if preset.thumbnails is not None:
        wire["Thumbnails"] = _thumbnails_to_wire(preset.thumbnails)
    wire["Type"] = preset.type
    return wire


# --- reading -------------------------------------------------------------------------------


class _Checker:
    """Reads wire values for the rules the model does not state, recording each violation and
    carrying on, so all are reported.

    The model's constraints (types, lengths, value patterns) have been checked before, and
    ``flagged`` names the members that broke them: a reader returns ``None`` for those, as for
    a missing or ``auto`` value, and nothing more is said about them. So ``value`` needs no
    checks of its own; ``choice`` and ``integer`` are for the video codec options, whose
    values the model leaves free, and ``bounded`` for the ranges the model's digit patterns
    cannot express.
    """

    def __init__(self, flagged: set[str]) -> None:
        self.violations: list[str] = []
        self.flagged = flagged

    def fail(self, message: str) -> None:
        """Record a violation, unless the model's check already reported its member."""
        if self.is_flagged(message.split(" ", 1)[0]):
            return
        self.violations.append(message)

    def is_flagged(self, field: str) -> bool:
        # Compared without case: map keys (Video.CodecOptions.Level) are data, not members.
        member = _model_member(field).lower()
        return any(member == f or member.startswith(f + ".") for f in self.flagged)

    def known(self, obj: Mapping[str, Any], where: str, fields: Sequence[str]) -> None:
        """mediamill refuses members it does not know rather than ignore them."""
        for key in obj:
            if key not in fields:
                self.fail(f"{where}{key} is not a known field (expected: {', '.join(fields)})")

    def value(self, obj: Mapping[str, Any], where: str, key: str, *, required: bool = False) -> Any:
        raw = obj.get(key)
        if raw is None:
            if required:
                self.fail(f"{where}{key} is required")
            return None
        return None if self.is_flagged(where + key) else raw

    def choice(
        self, obj: Mapping[str, Any], where: str, key: str, allowed: Sequence[str]
    ) -> str | None:
        value = self.value(obj, where, key)
        if value is not None and value not in allowed:
            self.fail(f"{where}{key} {value!r} is not valid (allowed: {', '.join(allowed)})")
            return None
        return value  # type: ignore[no-any-return]

    def bounded(
        self,
        obj: Mapping[str, Any],
        where: str,
        key: str,
        bounds: tuple[int, int],
        *,
        auto: bool = False,
        even: bool = False,
        required: bool = False,
    ) -> int | None:
        """An integer the model has seen to be digits (or ``auto``), within ``bounds``."""
        value = self.value(obj, where, key, required=required)
        if value is None or (auto and value == "auto"):
            return None
        number = int(value)
        if not bounds[0] <= number <= bounds[1] or (even and number % 2):
            expected = f"{'an even' if even else 'an'} integer from {bounds[0]} to {bounds[1]}"
            if auto:
                expected = f"'auto' or {expected}"
            self.fail(f"{where}{key} {value!r} must be {expected}")
            return None
        return number

    def integer(
        self,
        obj: Mapping[str, Any],
        where: str,
        key: str,
        bounds: tuple[int, int],
        *,
        digits: tuple[int, int] = (1, 9),
    ) -> int | None:
        """A codec option written in decimal digits, within ``bounds`` (inclusive)."""
        value = self.value(obj, where, key)
        if value is None:
            return None
        pattern = re.compile(rf"\d{{{digits[0]},{digits[1]}}}", re.ASCII)
        number = int(value) if pattern.fullmatch(value) else None
        if number is None or not bounds[0] <= number <= bounds[1]:
            self.fail(f"{where}{key} {value!r} must be an integer from {bounds[0]} to {bounds[1]}")
            return None
        return number

    def allowed_for(self, field: str, codec: str | None, codecs: Sequence[str]) -> None:
        """Record a violation if ``field`` is set for a codec it does not apply to."""
        if codec is not None and codec not in codecs:
            self.fail(f"{field} applies only to codec {' or '.join(codecs)} (not {codec!r})")


def _flagged_member(violation: str) -> str:
    """The member a model violation names: ``... at 'video.codec' failed ...``."""
    return violation.split(" at '", 1)[1].split("'", 1)[0]


_INDEXED = re.compile(r"(\w+)\[(\d+)\]", re.ASCII)


def _model_member(field: str) -> str:
    """``Video.Watermarks[0].Id`` -> ``video.watermarks.1.member.id``: the model's naming."""
    parts = []
    for part in field.split("."):
        indexed = _INDEXED.fullmatch(part)
        if indexed is None:  # a plain name (or an unknown key, whatever it holds)
            parts.append(servicemodel.member_name(part))
        else:
            parts.append(servicemodel.member_name(indexed[1]))
            parts.append(f"{int(indexed[2]) + 1}.member")
    return ".".join(parts)


def _json_type(value: object) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _codec_in_container(
    check: _Checker,
    field: str,
    codec: str | None,
    container: str | None,
    by_container: Mapping[str, tuple[str, ...]],
) -> None:
    # A container that takes no such section at all is reported once, by parse().
    if codec is None or container is None or not by_container[container]:
        return
    allowed = by_container[container]
    if codec not in allowed:
        names = ", ".join(allowed)
        check.fail(
            f"{field} {codec!r} is not allowed in container {container!r} (allowed: {names})"
        )


def _parse_audio(
    check: _Checker, wire: Mapping[str, Any], container: str | None
) -> AudioSettings | None:
    check.known(wire, "Audio.", AUDIO_FIELDS)
    codec = check.value(wire, "Audio.", "Codec", required=True)
    _codec_in_container(check, "Audio.Codec", codec, container, rules.AUDIO_CODECS_BY_CONTAINER)
    sample_rate = check.value(wire, "Audio.", "SampleRate")
    bit_rate = check.bounded(wire, "Audio.", "BitRate", rules.AUDIO_BIT_RATE_RANGE)
    channels = check.value(wire, "Audio.", "Channels")
    packing_mode = check.value(wire, "Audio.", "AudioPackingMode")
    if (
        packing_mode not in (None, "SingleTrack")
        and container is not None
        and container not in rules.MULTI_TRACK_CONTAINERS
    ):
        check.fail(
            f"Audio.AudioPackingMode {packing_mode!r} is only allowed in container 'mxf' "
            f"(not {container!r})"
        )

    profile = bit_depth = bit_order = signed = None
    options = check.value(wire, "Audio.", "CodecOptions")
    if options is not None:
        where = "Audio.CodecOptions."
        check.known(options, where, AUDIO_OPTIONS)
        profile = check.value(options, where, "Profile")
        if profile is not None:
            check.allowed_for(where + "Profile", codec, ("AAC",))
        bit_depth = check.value(options, where, "BitDepth")
        if bit_depth is not None:
            check.allowed_for(where + "BitDepth", codec, tuple(rules.BIT_DEPTHS))
            depths = rules.BIT_DEPTHS.get(codec or "", ())
            if depths and bit_depth not in depths:
                check.fail(
                    f"{where}BitDepth {bit_depth!r} is not valid for {codec} "
                    f"(allowed: {', '.join(depths)})"
                )
        bit_order = check.value(options, where, "BitOrder")
        if bit_order is not None:
            check.allowed_for(where + "BitOrder", codec, ("pcm",))
        signed = check.value(options, where, "Signed")
        if signed is not None:
            check.allowed_for(where + "Signed", codec, ("pcm",))

    if codec is None:
        return None
    return AudioSettings(
        codec=codec,
        sample_rate=_int_or_auto(sample_rate),
        bit_rate=bit_rate,
        channels=_int_or_auto(channels),
        packing_mode=packing_mode or "SingleTrack",
        profile=profile,
        bit_depth=None if bit_depth is None else int(bit_depth),
        bit_order=bit_order,
        signed=None if signed is None else signed == "Signed",
    )


def _int_or_auto(value: str | None) -> int | None:
    return None if value is None or value == "auto" else int(value)


def _frame_rate_or_auto(value: str | None) -> Fraction | None:
    return None if value is None or value == "auto" else rules.FRAME_RATES[value]


def _parse_video(
    check: _Checker, wire: Mapping[str, Any], container: str | None
) -> VideoSettings | None:
    where = "Video."
    check.known(wire, where, VIDEO_FIELDS)
    codec = check.value(wire, where, "Codec", required=True)
    _codec_in_container(check, "Video.Codec", codec, container, rules.VIDEO_CODECS_BY_CONTAINER)
    options = _parse_video_options(check, wire, codec)
    keyframes_max_dist = check.bounded(
        wire, where, "KeyframesMaxDist", rules.KEYFRAMES_MAX_DIST_RANGE
    )
    fixed_gop = check.value(wire, where, "FixedGOP") == "true"
    if container in rules.FIXED_GOP_CONTAINERS and wire.get("FixedGOP") in (None, "false"):
        check.fail(f"Video.FixedGOP must be 'true' for container {container!r}")
    bit_rate = _int_or_auto(check.value(wire, where, "BitRate"))
    frame_rate = _frame_rate_or_auto(check.value(wire, where, "FrameRate"))
    max_frame_rate = _frame_rate_or_auto(check.value(wire, where, "MaxFrameRate"))
    resolution = check.value(wire, where, "Resolution")
    aspect_ratio = check.value(wire, where, "AspectRatio")
    max_width = check.bounded(
        wire, where, "MaxWidth", rules.VIDEO_WIDTH_RANGE, auto=True, even=True
    )
    max_height = check.bounded(
        wire, where, "MaxHeight", rules.VIDEO_HEIGHT_RANGE, auto=True, even=True
    )
    display_aspect_ratio = check.value(wire, where, "DisplayAspectRatio")
    sizing_policy = check.value(wire, where, "SizingPolicy")
    padding_policy = check.value(wire, where, "PaddingPolicy")
    watermarks = _parse_watermarks(check, check.value(wire, where, "Watermarks"))

    if codec is None:
        return None
    return VideoSettings(
        codec=codec,
        bit_rate=bit_rate,
        frame_rate=frame_rate,
        max_frame_rate=max_frame_rate,
        keyframes_max_dist=keyframes_max_dist,
        fixed_gop=bool(fixed_gop),
        max_width=max_width,
        max_height=max_height,
        sizing_policy=sizing_policy or "ShrinkToFit",
        padding_policy=padding_policy or "NoPad",
        display_aspect_ratio=display_aspect_ratio or "auto",
        profile=options.profile,
        level=options.level,
        max_reference_frames=options.max_reference_frames,
        max_bit_rate=options.max_bit_rate,
        buffer_size=options.buffer_size,
        interlaced_mode=options.interlaced_mode or "Progressive",
        color_space_conversion_mode=options.color_space_conversion_mode or "None",
        chroma_subsampling=options.chroma_subsampling,
        loop_count=options.loop_count,
        codec_options=options.raw,
        resolution=resolution,
        aspect_ratio=aspect_ratio,
        watermarks=watermarks,
    )


class _VideoOptions:
    """``Video.CodecOptions``, read: the typed values plus the map as received."""

    def __init__(self) -> None:
        self.raw: Mapping[str, str] = {}
        self.profile: str | None = None
        self.level: str | None = None
        self.max_reference_frames: int | None = None
        self.max_bit_rate: int | None = None
        self.buffer_size: int | None = None
        self.interlaced_mode: str | None = None
        self.color_space_conversion_mode: str | None = None
        self.chroma_subsampling: str | None = None
        self.loop_count: str | None = None


def _parse_video_options(
    check: _Checker, video: Mapping[str, Any], codec: str | None
) -> _VideoOptions:
    out = _VideoOptions()
    wire = check.value(video, "Video.", "CodecOptions")
    if wire is None:
        return out
    where = "Video.CodecOptions."
    check.known(wire, where, tuple(rules.VIDEO_CODEC_OPTIONS))
    raw: dict[str, str] = {}
    for key in wire:
        value = check.value(wire, where, key)
        if value is None:
            continue
        raw[key] = value
        if key in rules.VIDEO_CODEC_OPTIONS:
            check.allowed_for(where + key, codec, rules.VIDEO_CODEC_OPTIONS[key])
    out.raw = raw  # a plain dict: presets are pickled to the sandboxed encoder

    if "Profile" in raw:
        profiles = rules.VP8_PROFILES if codec == "vp8" else rules.H264_PROFILES
        if codec in ("H.264", "vp8"):
            out.profile = check.choice(raw, where, "Profile", profiles)
    out.level = check.choice(raw, where, "Level", rules.H264_LEVELS)
    out.max_reference_frames = check.integer(
        raw, where, "MaxReferenceFrames", rules.MAX_REFERENCE_FRAMES_RANGE, digits=(1, 2)
    )
    out.max_bit_rate = check.integer(
        raw, where, "MaxBitRate", rules.MAX_BIT_RATE_RANGE, digits=(1, 5)
    )
    out.buffer_size = check.integer(raw, where, "BufferSize", (1, 999_999_999))
    out.interlaced_mode = check.choice(raw, where, "InterlacedMode", rules.INTERLACED_MODES)
    out.color_space_conversion_mode = check.choice(
        raw, where, "ColorSpaceConversionMode", rules.COLOR_SPACE_CONVERSION_MODES
    )
    out.chroma_subsampling = check.choice(
        raw, where, "ChromaSubsampling", rules.CHROMA_SUBSAMPLINGS
    )
    loop_count = raw.get("LoopCount")
    if loop_count == "Infinite":
        out.loop_count = loop_count
    elif loop_count is not None:
        count = check.integer(raw, where, "LoopCount", rules.LOOP_COUNT_RANGE, digits=(1, 3))
        out.loop_count = None if count is None else loop_count
    return out


def _parse_watermarks(check: _Checker, wire: list[Any] | None) -> tuple[Watermark, ...]:
    if wire is None:
        return ()
    watermarks: list[Watermark] = []
    seen: set[str] = set()
    for index, item in enumerate(wire):
        where = f"Video.Watermarks[{index}]."
        if check.is_flagged(f"Video.Watermarks[{index}]"):
            continue
        check.known(item, where, tuple(WATERMARK_FIELDS))
        # Every field is required: Elastic Transcoder's defaults for them are not on record.
        for key in WATERMARK_FIELDS:
            if item.get(key) is None:
                check.fail(f"{where}{key} is required")
        wm_id = check.value(item, where, "Id")
        if wm_id is not None:
            if wm_id in seen:
                check.fail(f"{where}Id {wm_id!r} is already used by another watermark")
            seen.add(wm_id)
        values = {
            key: _opacity(check, item, where) if key == "Opacity" else check.value(item, where, key)
            for key in WATERMARK_FIELDS
        }
        valid = {WATERMARK_FIELDS[key]: value for key, value in values.items() if value}
        if len(valid) == len(WATERMARK_FIELDS):
            watermarks.append(Watermark(**valid))
    return tuple(watermarks)


def _opacity(check: _Checker, item: Mapping[str, Any], where: str) -> str | None:
    value: str | None = check.value(item, where, "Opacity")  # digits, the model has seen
    if value is not None and float(value) > 100:
        check.fail(f"{where}Opacity {value!r} must be a number from 0 to 100")
        return None
    return value


def _parse_thumbnails(check: _Checker, wire: Mapping[str, Any]) -> ThumbnailSettings | None:
    where = "Thumbnails."
    check.known(wire, where, THUMBNAIL_FIELDS)
    image_format = check.value(wire, where, "Format", required=True)
    interval = check.bounded(wire, where, "Interval", rules.THUMBNAIL_INTERVAL_RANGE, required=True)
    resolution = check.value(wire, where, "Resolution")
    aspect_ratio = check.value(wire, where, "AspectRatio")
    max_width = check.bounded(
        wire, where, "MaxWidth", rules.THUMBNAIL_WIDTH_RANGE, auto=True, even=True
    )
    max_height = check.bounded(
        wire, where, "MaxHeight", rules.THUMBNAIL_HEIGHT_RANGE, auto=True, even=True
    )
    sizing_policy = check.value(wire, where, "SizingPolicy")
    padding_policy = check.value(wire, where, "PaddingPolicy")
    if image_format is None or interval is None:
        return None
    return ThumbnailSettings(
        format=image_format,
        interval=interval,
        max_width=max_width,
        max_height=max_height,
        sizing_policy=sizing_policy or "ShrinkToFit",
        padding_policy=padding_policy or "NoPad",
        resolution=resolution,
        aspect_ratio=aspect_ratio,
    )


# --- writing -------------------------------------------------------------------------------


def _auto(value: int | None) -> str:
    return "auto" if value is None else str(value)


def _audio_to_wire(audio: AudioSettings) -> dict[str, Any]:
    wire: dict[str, Any] = {"Codec": audio.codec, "SampleRate": _auto(audio.sample_rate)}
    if audio.bit_rate is not None:
        wire["BitRate"] = str(audio.bit_rate)
    wire["Channels"] = _auto(audio.channels)
    if audio.packing_mode != "SingleTrack":
        wire["AudioPackingMode"] = audio.packing_mode
    options: dict[str, str] = {}
    if audio.profile is not None:
        options["Profile"] = audio.profile
    if audio.bit_depth is not None:
        options["BitDepth"] = str(audio.bit_depth)
    if audio.bit_order is not None:
        options["BitOrder"] = audio.bit_order
    if audio.signed is not None:
        options["Signed"] = "Signed" if audio.signed else "Unsigned"
    if options:
        wire["CodecOptions"] = options
    return wire


def _video_to_wire(video: VideoSettings) -> dict[str, Any]:
    wire: dict[str, Any] = {"Codec": video.codec, "CodecOptions": dict(video.codec_options)}
    if video.keyframes_max_dist is not None:
        wire["KeyframesMaxDist"] = str(video.keyframes_max_dist)
    # GIF has no GOP; say nothing about one unless it was asked for.
    if video.codec != "gif" or video.fixed_gop:
        wire["FixedGOP"] = "true" if video.fixed_gop else "false"
    wire["BitRate"] = _auto(video.bit_rate)
    wire["FrameRate"] = _frame_rate(video.frame_rate)
    if video.max_frame_rate is not None:
        wire["MaxFrameRate"] = rules.frame_rate_to_wire(video.max_frame_rate)
    if video.resolution is not None:
        wire["Resolution"] = video.resolution
    if video.aspect_ratio is not None:
        wire["AspectRatio"] = video.aspect_ratio
    wire["MaxWidth"] = _auto(video.max_width)
    wire["MaxHeight"] = _auto(video.max_height)
    wire["DisplayAspectRatio"] = video.display_aspect_ratio
    wire["SizingPolicy"] = video.sizing_policy
    wire["PaddingPolicy"] = video.padding_policy
    if video.watermarks:
        wire["Watermarks"] = [_watermark_to_wire(w) for w in video.watermarks]
    return wire


def _frame_rate(rate: Fraction | None) -> str:
    return "auto" if rate is None else rules.frame_rate_to_wire(rate)


def _watermark_to_wire(watermark: Watermark) -> dict[str, str]:
    return {key: str(getattr(watermark, attribute)) for key, attribute in WATERMARK_FIELDS.items()}


def _thumbnails_to_wire(thumbnails: ThumbnailSettings) -> dict[str, str]:
    wire = {"Format": thumbnails.format, "Interval": str(thumbnails.interval)}
    if thumbnails.resolution is not None:
        wire["Resolution"] = thumbnails.resolution
    if thumbnails.aspect_ratio is not None:
        wire["AspectRatio"] = thumbnails.aspect_ratio
    wire["MaxWidth"] = _auto(thumbnails.max_width)
    wire["MaxHeight"] = _auto(thumbnails.max_height)
    wire["SizingPolicy"] = thumbnails.sizing_policy
    wire["PaddingPolicy"] = thumbnails.padding_policy
    return wire
