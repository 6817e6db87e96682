"""The exception tree. Every error mediamill raises on purpose derives from one root.

    MediamillError
    ├── ConfigurationError          a setting has an unusable value
    ├── ValidationError             a request breaks Elastic Transcoder's rules (code 1000)
    │   └── LimitExceededError      ... by exceeding a documented limit (31 outputs in a job)
    ├── NotFoundError               no pipeline, preset or job has that ID
    ├── InvalidStateError           the object is not in a state that allows the operation
    ├── PermissionDeniedError       nobody may do that to this object (delete a system preset)
    ├── AuthenticationError         a request's signature or key is not valid (.kind: AWS name)
    ├── PresetError                 a preset cannot be used
    │   ├── UnknownPresetError      no preset has that ID
    │   ├── PresetValidationError   settings break Elastic Transcoder's rules (.violations)
    │   └── UnsupportedPresetError  valid, but this version cannot produce it yet
    ├── MediaError                  the input is not usable media (.code: 4000 family)
    │   └── ResourceLimitError      decoding exceeded its memory or time limit
    ├── TranscodeError              an output could not be encoded (.code: 9000 family)
    ├── OutputError                 an output could not be written (exists, unwritable)
    │   └── ObjectExistsError       ... because an object already has its key (.code 3002)
    ├── BucketError                 a bucket cannot be reached or refused the request
    │   ├── InvalidKeyError         an object key is not allowed (.code 1000)
    │   └── ObjectNotFoundError     no object has that key (.code 3001)
    └── CanceledError               the work was canceled on request

Library errors (PyAV's ``av.FFmpegError``, ``OSError``, botocore's errors) are mapped to the
most specific of these at the boundary where they occur, with ``raise ... from exc``.

``code`` follows Elastic Transcoder's job error codes (1000 validation, 3001 input missing,
3002 output exists, 4000-4026 bad input, 9000-9999 internal), so a job's status detail can
carry it unchanged.
"""

from __future__ import annotations


class MediamillError(Exception):
    """Root of every error mediamill raises on purpose."""

    code: int = 9999

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (isolated decoding); keep them picklable.
        return (_rebuild, (type(self), self.message, self.code, self.__dict__))


def _rebuild(
    cls: type[MediamillError], message: str, code: int, state: dict[str, object]
) -> MediamillError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    err.message = message
    err.code = code
    return err


class ConfigurationError(MediamillError):
    code = 1000


class ValidationError(MediamillError):
    code = 1000


class LimitExceededError(ValidationError):
    pass


class NotFoundError(MediamillError):
    code = 1000


class InvalidStateError(MediamillError):
    code = 1000


class PermissionDeniedError(MediamillError):
    code = 1000


class AuthenticationError(MediamillError):
    """A request is not signed by a valid key; ``kind`` is the error name AWS would send."""

    code = 2000

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class PresetError(MediamillError):
    code = 1000


class UnknownPresetError(PresetError):
    def __init__(self, preset_id: str) -> None:
        super().__init__(f"unknown preset ID {preset_id!r}")
        self.preset_id = preset_id


class PresetValidationError(PresetError):
    """Raised with every violation found, not just the first."""

    def __init__(self, violations: list[str]) -> None:
        count = len(violations)
        plural = "error" if count == 1 else "errors"
        super().__init__(f"{count} validation {plural} detected: " + "; ".join(violations))
        self.violations = list(violations)


class UnsupportedPresetError(PresetError):
    pass


class MediaError(MediamillError):
    code = 4000


class ResourceLimitError(MediaError):
    code = 4000


class TranscodeError(MediamillError):
    code = 9000


class OutputError(MediamillError):
    code = 3002


class ObjectExistsError(OutputError):
    """A write that must not replace anything found an object under its key."""

    code = 3002

    def __init__(self, bucket: str, key: str, detail: str = "") -> None:
        message = f"an object {key!r} already exists in bucket {bucket!r}"
        super().__init__(f"{message}: {detail}" if detail else message)
        self.bucket = bucket
        self.key = key


class BucketError(MediamillError):
    code = 9000


class InvalidKeyError(BucketError):
    code = 1000

    def __init__(self, key: str, problem: str) -> None:
        shown = key if len(key) <= 60 else key[:60] + "..."
        super().__init__(f"invalid key {shown!r}: {problem}")
        self.key = key
        self.problem = problem


class ObjectNotFoundError(BucketError):
    code = 3001

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(f"no object {key!r} in bucket {bucket!r}")
        self.bucket = bucket
        self.key = key


class CanceledError(MediamillError):
    code = 0
