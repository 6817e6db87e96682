"""Pages of list results, in ID order, with Elastic Transcoder's page tokens.

IDs start with their creation time in epoch milliseconds, so ID order is creation order, it
is total (no two objects share an ID) and an object never moves. A page token is what AWS
sent: the ID of the first item of the next page. It matches the ``Id`` pattern the model gives
``PageToken``, and the next page is "every item from that ID on" — so a page is never repeated
or skipped, even when items are created or deleted between requests (new items land at the
end of an ascending listing; a deleted token item is simply passed over).

A listing may draw on several sources (ListPresets: the system catalogue, then custom presets
from the database); each yields items in the order asked for, and they are merged.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

#: Items per page. Elastic Transcoder never documented its page size; 50 is what it sent.
PAGE_SIZE = 50


class HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=HasId)
M = TypeVar("M", bound=Model)
S = TypeVar("S")

#: ``source(token, ascending, limit)``: up to ``limit`` items from ``token`` on, in order.
Source = Callable[[str | None, bool, int], Iterable[S]]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


def paginate(
    sources: Sequence[Source[T]], token: str | None, ascending: bool, size: int | None = None
) -> Page[T]:
    """One page from ``sources``, merged in ID order; ``next_token`` is None on the last."""
    size = PAGE_SIZE if size is None else size
    streams = [list(source(token, ascending, size + 1)) for source in sources]
    merged = heapq.merge(*streams, key=lambda item: item.id, reverse=not ascending)
    items = [item for _, item in zip(range(size + 1), merged, strict=False)]
    if len(items) > size:
        return Page(items[:size], items[size].id)
    return Page(items, None)


def queryset_source(rows: QuerySet[M]) -> Source[M]:
    """A source reading ``rows`` by ID, from the token on."""

    def source(token: str | None, ascending: bool, limit: int) -> Iterable[M]:
        ordered = rows.order_by("id" if ascending else "-id")
        if token is not None:
            ordered = ordered.filter(id__gte=token) if ascending else ordered.filter(id__lte=token)
        return ordered[:limit]

    return source


def sequence_source(items: Sequence[T]) -> Source[T]:
    """A source reading ``items``, which are in ascending ID order."""

    def source(token: str | None, ascending: bool, limit: int) -> Iterable[T]:
        ordered = items if ascending else list(reversed(items))
        if token is not None:
            ordered = [i for i in ordered if (i.id >= token if ascending else i.id <= token)]
        return ordered[:limit]

    return source


def page_request(request: HttpRequest) -> tuple[str | None, bool]:
    """``PageToken`` and ``Ascending`` from the query string (both already checked against
    the model): the token, and whether oldest first ("true", the default) or not."""
    return request.GET.get("PageToken"), request.GET.get("Ascending") != "false"
