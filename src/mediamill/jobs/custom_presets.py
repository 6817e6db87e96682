"""Creating and deleting custom presets. System presets live in code and cannot be changed.

A custom preset is checked by ``presets.parse``, the parser the engine's presets go through,
which reports every violation at once. Custom presets are not limited in number (AWS allowed
50 per account).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mediamill import presets
from mediamill.errors import NotFoundError, PermissionDeniedError, PresetValidationError
from mediamill.jobs.models import Preset, new_id

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_SECTIONS = ("Audio", "Video", "Thumbnails")


def create_preset(request: Mapping[str, Any], owner: User | None = None) -> Preset:
    """Store CreatePreset's body as a custom preset. Raises ``PresetValidationError``."""
    if not isinstance(request, Mapping):
        raise PresetValidationError(["the request body must be a JSON object"])
    preset_id = new_id()
    parsed = presets.parse(request, preset_id=preset_id)
    return Preset.objects.create(
        id=preset_id,
        name=parsed.name,
        description=parsed.description,
        container=parsed.container,
        settings={key: request[key] for key in _SECTIONS if request.get(key) is not None},
        owner=owner,
    )


def is_system(preset_id: str) -> bool:
    return preset_id in presets.SYSTEM_PRESETS or preset_id in presets.DEPRECATED_PRESET_IDS


def delete_preset(preset_id: str) -> None:
    """Delete a custom preset. System presets cannot be deleted (``PermissionDeniedError``).

    Jobs already submitted with the preset fail when they start, as the preset is gone.
    """
    if is_system(preset_id):
        raise PermissionDeniedError(
            f"The preset {preset_id} is a system preset: it cannot be deleted."
        )
    deleted, _ = Preset.objects.filter(pk=preset_id).delete()
    if not deleted:
        raise NotFoundError(f"The specified preset was not found: presetId={preset_id}")
