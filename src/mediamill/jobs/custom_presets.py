"""Creating and deleting custom presets. System presets live in code and cannot be changed.

A preset request is a typed ``presets.Preset`` (the API makes one with ``presets.parse``, the
parser the engine's presets go through; Python callers build one). Whoever builds it, it is
checked again here through that same parser, which reports every violation at once, so a
hand-built preset is held to the API's rules. Custom presets are not limited in number (AWS
allowed 50 per account).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediamill import presets
from mediamill.errors import NotFoundError, PermissionDeniedError
from mediamill.jobs import access
from mediamill.jobs.models import CustomPreset, new_id

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_SECTIONS = ("Audio", "Video", "Thumbnails")


def create_preset(preset: presets.Preset, owner: User | None = None) -> CustomPreset:
    """Store ``preset`` as a custom preset under a new ID (``preset.id`` is not used).

    Raises ``PresetValidationError`` listing every rule the preset breaks.
    """
    preset_id = new_id()
    wire = presets.to_wire(preset)
    checked = presets.parse(wire, preset_id=preset_id)  # the custom preset's rules
    return CustomPreset.objects.create(
        id=preset_id,
        name=checked.name,
        description=checked.description,
        container=checked.container,
        settings={key: wire[key] for key in _SECTIONS if key in wire},
        owner=owner,
    )


def is_system(preset_id: str) -> bool:
    return preset_id in presets.SYSTEM_PRESETS or preset_id in presets.DEPRECATED_PRESET_IDS


def delete_preset(preset_id: str, user: User | None = None) -> None:
    """Delete a custom preset. System presets cannot be deleted (``PermissionDeniedError``).

    With a ``user``, only one of theirs (any, for a superuser). Jobs already submitted with
    the preset fail when they start, as the preset is gone.
    """
    if is_system(preset_id):
        raise PermissionDeniedError(
            f"The preset {preset_id} is a system preset: it cannot be deleted."
        )
    rows = CustomPreset.objects.all() if user is None else access.presets(user)
    deleted, _ = rows.filter(pk=preset_id).delete()
    if not deleted:
        raise NotFoundError(f"The specified preset was not found: presetId={preset_id}")
