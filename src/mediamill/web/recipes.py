"""Output recipes: which presets a recipe names, and the outputs they make from one file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from mediamill import presets
from mediamill.errors import PresetError, ValidationError
from mediamill.jobs.lookup import resolve_preset
from mediamill.jobs.requests import RequestedOutput
from mediamill.web.models import Recipe

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: The tutorial's outputs: WAV, FLAC and AAC 256k in MP4 (the default recipe).
TUTORIAL_PRESETS = ("1351620000001-300300", "1351620000001-300110", "1351620000001-100110")


def available() -> QuerySet[Recipe]:
    return Recipe.objects.filter(enabled=True)


def choose(recipe_id: str | None) -> Recipe:
    """The recipe a person picked (its ID as text), or the default when they picked none."""
    recipes = available()
    if recipe_id:
        if not recipe_id.isdigit():
            raise ValidationError(f"No recipe {recipe_id!r}: pick one from the list.")
        recipe = recipes.filter(pk=int(recipe_id)).first()
        if recipe is None:
            raise ValidationError("That recipe is not offered any more: pick one from the list.")
        return recipe
    recipe = recipes.order_by("-is_default", "name").first()
    if recipe is None:
        raise ValidationError("No output recipe is offered yet: ask an administrator.")
    return recipe


def check_presets(preset_ids: list[str]) -> None:
    """``ValidationError`` unless every ID names a system preset.

    Only system presets: a person's job may use system presets and their own custom ones
    (``jobs.service.create_job``), so a recipe naming anyone's custom preset would fail for
    everybody else.
    """
    if not preset_ids:
        raise ValidationError("A recipe needs at least one preset.")
    for preset_id in preset_ids:
        try:
            presets.get_system(str(preset_id))
        except PresetError as exc:
            raise ValidationError(f"{preset_id}: not a system preset ({exc.message})") from exc


def outputs(recipe: Recipe, stem: str, user: User) -> tuple[RequestedOutput, ...]:
    """One output per preset, named ``<stem>.<extension>``; a repeated extension is numbered."""
    made: list[RequestedOutput] = []
    seen: dict[str, int] = {}
    for preset_id in recipe.preset_ids:
        extension = resolve_preset(str(preset_id), user).extension
        seen[extension] = seen.get(extension, 0) + 1
        suffix = "" if seen[extension] == 1 else f"-{seen[extension]}"
        made.append(RequestedOutput(f"{stem}{suffix}.{extension}", str(preset_id)))
    return tuple(made)
