"""The recipe offered until an administrator defines others: the tutorial's three outputs."""

from __future__ import annotations

from typing import Any

from django.db import migrations

TUTORIAL = {
    "name": "Audio: WAV, FLAC and AAC",
    "description": "WAV and FLAC (lossless) and AAC 256k in MP4",
    "preset_ids": ["1351620000001-300300", "1351620000001-300110", "1351620000001-100110"],
    "is_default": True,
}


def add(apps: Any, schema_editor: Any) -> None:
    recipe = apps.get_model("web", "Recipe")
    if not recipe.objects.filter(name=TUTORIAL["name"]).exists():
        recipe.objects.create(**TUTORIAL)


def remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("web", "Recipe").objects.filter(name=TUTORIAL["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [("web", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
