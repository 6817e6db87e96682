"""Recipes are defined by administrators; library files can be looked at and removed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from mediamill.errors import ValidationError
from mediamill.web import recipes
from mediamill.web.models import MediaFile, Recipe


class RecipeForm(forms.ModelForm[Recipe]):
    class Meta:
        model = Recipe
        fields = ("name", "description", "preset_ids", "is_default", "enabled")

    def clean_preset_ids(self) -> Any:
        value = self.cleaned_data["preset_ids"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise forms.ValidationError('A list of preset IDs, e.g. ["1351620000001-300110"].')
        try:
            recipes.check_presets(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return value


@admin.register(Recipe)
class RecipeAdmin(admin.ModelAdmin[Recipe]):
    form = RecipeForm
    list_display = ("name", "preset_ids", "is_default", "enabled")


@admin.register(MediaFile)
class MediaFileAdmin(admin.ModelAdmin[MediaFile]):
    list_display = ("name", "owner", "size", "created", "job")
    search_fields = ("name", "owner__username")
    readonly_fields = ("owner", "bucket", "key", "size", "job", "waveform_key", "created")
