"""Admin: deliveries (status, attempts, last error), followers and remote actors. Actor keys are
not registered: private keys are never shown."""

from django.contrib import admin

from .models import Delivery, FederationOptIn, Follower, RemoteActor


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["activity_id", "inbox", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = ["remote", "kind", "local_id", "created_at"]
    list_filter = ["kind"]


@admin.register(RemoteActor)
class RemoteActorAdmin(admin.ModelAdmin):
    list_display = ["uri", "inbox", "shared_inbox", "fetched_at"]
    search_fields = ["uri"]


@admin.register(FederationOptIn)
class FederationOptInAdmin(admin.ModelAdmin):
    list_display = ["user", "enabled", "updated_at"]
