"""Limits on what one input may cost, beyond the sandbox's memory, CPU and time limits.

A few kilobytes can declare hours of media (a WAV at 1 Hz, FLAC silence, two H.264 frames
an hour apart). These limits stop such inputs by what they would make, each with an error
that names its setting:

- ``max_seconds``: the input's duration, as declared and as decoded (timestamps);
- ``output_ratio``: each output's size as a multiple of the input's size, checked before
  encoding when the size is predictable (PCM) and while writing, so the job fails early
  rather than after gigabytes. Outputs up to ``RATIO_FLOOR_BYTES`` are always allowed: a
  tiny input legitimately makes an output many times its size.
"""

from __future__ import annotations

from dataclasses import dataclass

from mediamill import settings
from mediamill.errors import ResourceLimitError

#: Outputs this small are never refused for their ratio to the input.
RATIO_FLOOR_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class MediaLimits:
    max_seconds: float = 0  # 0 = no limit
    output_ratio: float = 0  # 0 = no limit
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES

    @classmethod
    def from_settings(cls) -> MediaLimits:
        return cls(
            max_seconds=settings.get("MEDIAMILL_INPUT_MAX_SECONDS"),
            output_ratio=settings.get("MEDIAMILL_OUTPUT_RATIO_MAX"),
        )

    def max_output_bytes(self, input_size: int) -> int | None:
        if not self.output_ratio:
            return None
        return max(self.ratio_floor_bytes, int(self.output_ratio * input_size))

    def check_duration(self, seconds: float, how: str) -> None:
        """Refuse ``seconds`` of input (``how``: "declares" or "reaches")."""
        if self.max_seconds and seconds > self.max_seconds:
            raise ResourceLimitError(
                f"the input {how} {seconds:.0f} s, more than the limit of "
                f"{self.max_seconds:g} s (MEDIAMILL_INPUT_MAX_SECONDS)"
            )

    def output_too_large(self, index: int, limit: int, predicted: bool) -> ResourceLimitError:
        verb = "would be" if predicted else "grew"
        return ResourceLimitError(
            f"output {index + 1} {verb} larger than {limit / 1048576:.0f} MiB, more than "
            f"{self.output_ratio:g} times the input's size (MEDIAMILL_OUTPUT_RATIO_MAX)"
        )
