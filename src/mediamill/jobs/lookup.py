"""Find a preset by ID, wherever it lives: system presets in code, custom ones in the database."""

from __future__ import annotations

from mediamill import presets
from mediamill.errors import NotFoundError, PresetError, UnknownPresetError, ValidationError
from mediamill.jobs.models import Preset


def resolve_preset(preset_id: str) -> presets.Preset:
    """The typed preset with this ID; a deprecated system ID gives its replacement.

    Raises ``ValidationError`` for a malformed ID and ``NotFoundError`` for an unknown one.
    """
    try:
        return presets.get_system(preset_id)
    except UnknownPresetError:
        pass
    except PresetError as exc:
        raise ValidationError(exc.message) from exc
    row = Preset.objects.filter(pk=preset_id).first()
    if row is None:
        raise NotFoundError(f"The specified preset was not found: presetId={preset_id}")
    return row.to_preset()
