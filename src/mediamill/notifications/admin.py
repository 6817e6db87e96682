"""Admin pages: topics and subscriptions (created through ``topics``, so they get proper ARNs
and a SubscriptionConfirmation), and the delivery log, read-only."""

from __future__ import annotations

from typing import Any

import django_stubs_ext
from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from mediamill.errors import MediamillError
from mediamill.notifications import arns, topics
from mediamill.notifications.models import (
    Delivery,
    DeliveryStatus,
    Notice,
    Signing,
    SigningCertificate,
    Subscription,
    Topic,
)

django_stubs_ext.monkeypatch()


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TopicForm(forms.ModelForm[Topic]):
    class Meta:
        model = Topic
        fields = ("name", "owner")

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"])
        try:
            arns.check_name(name)
        except MediamillError as exc:
            raise forms.ValidationError(exc.message) from exc
        return name


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    form = TopicForm
    list_display = ("arn", "name", "owner", "created")
    search_fields = ("arn", "name")
    readonly_fields = ("arn", "created")

    def get_fields(self, request: HttpRequest, obj: Topic | None = None) -> list[Any]:
        return ["name", "owner"] if obj is None else ["arn", "name", "owner", "created"]

    def get_readonly_fields(self, request: HttpRequest, obj: Topic | None = None) -> list[str]:
        return [] if obj is None else ["arn", "name", "created"]

    def save_model(self, request: HttpRequest, obj: Topic, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = topics.create_topic(obj.name, owner=obj.owner)
        obj.pk, obj.arn, obj.created = created.pk, created.arn, created.created


class SubscriptionForm(forms.ModelForm[Subscription]):
    class Meta:
        model = Subscription
        fields = ("topic", "endpoint", "signing")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    form = SubscriptionForm
    list_display = ("arn", "endpoint", "status", "signing", "created", "confirmed_at")
    list_filter = ("status", "signing", "topic")
    search_fields = ("arn", "endpoint")
    list_select_related = ("topic",)
    actions = ("unsubscribe",)

    def get_fields(self, request: HttpRequest, obj: Subscription | None = None) -> list[Any]:
        if obj is None:
            return ["topic", "endpoint", "signing"]
        return [
            "arn",
            "topic",
            "protocol",
            "endpoint",
            "status",
            "signing",
            "created",
            "confirmed_at",
            "unsubscribed_at",
        ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Subscription | None = None
    ) -> list[Any]:
        return [] if obj is None else self.get_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        if change:
            return  # everything is read-only once created
        try:
            created, secret = topics.subscribe(
                obj.topic.arn,
                obj.endpoint,
                standard_webhooks=obj.signing == Signing.STANDARD_WEBHOOKS,
            )
        except MediamillError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = created.pk
        if secret:
            self.message_user(
                request,
                f"Standard Webhooks secret (shown only now): {secret}",
                messages.WARNING,
            )

    @admin.action(description="Unsubscribe selected subscriptions", permissions=("change",))
    def unsubscribe(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        for arn in queryset.values_list("arn", flat=True):
            topics.unsubscribe(arn)
        self.message_user(request, "Unsubscribed.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly, admin.ModelAdmin[Delivery]):
    list_display = (
        "id",
        "job_id",
        "state",
        "message_type",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "message_type", "state")
    search_fields = ("job_id", "message_id", "subscription__arn", "subscription__endpoint")
    list_select_related = ("subscription",)
    actions = ("retry_now",)

    @admin.action(description="Retry selected pending deliveries now", permissions=("view",))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = queryset.filter(status=DeliveryStatus.PENDING).update(
            next_attempt_at=timezone.now()
        )
        self.message_user(request, f"{count} deliveries will be tried again now.")


@admin.register(SigningCertificate)
class SigningCertificateAdmin(_ReadOnly, admin.ModelAdmin[SigningCertificate]):
    list_display = ("__str__", "created")


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin[Notice]):
    list_display = ("text", "owner", "job", "read", "created")
    list_filter = ("read",)
    search_fields = ("text", "owner__username", "job__id")
    list_select_related = ("owner", "job")
    readonly_fields = ("owner", "job", "text", "created")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
