"""CreatePreset, ListPresets, ReadPreset and DeletePreset.

The system catalogue is everyone's; custom presets are their owner's. ListPresets gives the
system presets first (their IDs are the oldest) and then the caller's custom presets, in ID
order, paginated as one list.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest

from mediamill import presets
from mediamill.api import responses
from mediamill.api.errors import ApiError
from mediamill.api.http import Caller, Reply, json_body, operation, resource
from mediamill.api.pagination import (
    Source,
    page_request,
    paginate,
    queryset_source,
    sequence_source,
)
from mediamill.jobs import access, custom_presets
from mediamill.jobs.models import CustomPreset, new_id

_CATALOGUE = sequence_source(list(presets.SYSTEM_PRESETS.values()))


# presets.parse applies the model's constraints with the preset rules: all reported at once.
@operation("CreatePreset", check_body=False)
def create_preset(request: HttpRequest, caller: Caller) -> Reply:
    preset = presets.parse(json_body(request), preset_id=new_id())
    row = custom_presets.create_preset(preset, owner=caller.user)
    # AWS warned here of settings valid but not strictly standard; mediamill has none to give.
    return 201, {"Preset": responses.custom_preset(row, caller), "Warning": ""}


@operation("ListPresets")
def list_presets(request: HttpRequest, caller: Caller) -> Reply:
    sources: list[Source[presets.Preset | CustomPreset]] = [
        _CATALOGUE,
        queryset_source(access.presets(caller.user)),
    ]
    page = paginate(
        sources,
        *page_request(request),
    )
    body: dict[str, Any] = {"Presets": [_to_wire(p, caller) for p in page.items]}
    if page.next_token is not None:
        body["NextPageToken"] = page.next_token
    return 200, body


@operation("ReadPreset")
def read_preset(request: HttpRequest, caller: Caller, preset_id: str) -> Reply:
    if custom_presets.is_system(preset_id):
        # A deprecated ID stays readable under that ID (as AWS kept it), with the settings
        # of the preset that replaced it; CreateJob resolves it to the replacement.
        system = dataclasses.replace(presets.get_system(preset_id), id=preset_id)
        return 200, {"Preset": responses.system_preset(system, caller)}
    return 200, {"Preset": responses.custom_preset(_visible(caller, preset_id), caller)}


@operation("DeletePreset")
def delete_preset(request: HttpRequest, caller: Caller, preset_id: str) -> Reply:
    if not custom_presets.is_system(preset_id):
        _visible(caller, preset_id)
    custom_presets.delete_preset(preset_id, caller.user)  # refuses system presets
    return 202, {}


def _visible(caller: Caller, preset_id: str) -> CustomPreset:
    row = access.presets(caller.user).filter(pk=preset_id).first()
    if row is None:
        raise ApiError(
            "ResourceNotFoundException",
            f"The specified preset was not found: account={caller.account}, presetId={preset_id}",
        )
    return row


def _to_wire(preset: presets.Preset | CustomPreset, caller: Caller) -> dict[str, Any]:
    if isinstance(preset, CustomPreset):
        return responses.custom_preset(preset, caller)
    return responses.system_preset(preset, caller)


collection = resource(GET=list_presets, POST=create_preset)
item = resource(GET=read_preset, DELETE=delete_preset)
