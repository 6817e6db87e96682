"""Find a preset by ID, wherever it lives: system presets in code, custom ones in the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediamill import presets
from mediamill.errors import NotFoundError, PresetError, UnknownPresetError, ValidationError
from mediamill.jobs.models import CustomPreset

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def resolve_preset(preset_id: str, user: User | None = None) -> presets.Preset:
    """The typed preset with this ID; a deprecated system ID gives its replacement.

    With ``user``, a custom preset is found only if that user may see it (theirs, or any
    for a superuser); another user's is unknown. Raises ``ValidationError`` for a malformed
    ID and ``NotFoundError`` for an unknown one.
    """
    try:
        return presets.get_system(preset_id)
    except UnknownPresetError:
        pass
    except PresetError as exc:
        raise ValidationError(exc.message) from exc
    rows = CustomPreset.objects.all()
    if user is not None and not user.is_superuser:
        rows = rows.filter(owner=user)
    row = rows.filter(pk=preset_id).first()
    if row is None:
        raise NotFoundError(f"The specified preset was not found: presetId={preset_id}")
    return row.to_preset()
