from django.contrib import admin

from campaigns.models import Campaign, ComputeSite, Facility, SubmitHost
from console.admin import ReadOnlyAdmin


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    """For inspection, archived campaigns included. Never deleted here: a campaign that ran keeps its record (its
    submissions protect its steps, so the database refuses it too), and one never run is archived, not deleted, as
    the console has no delete path for campaigns."""

    list_display = ["name", "status", "kind", "release", "owner", "archived_at"]
    list_filter = ["status", "kind", ("archived_at", admin.EmptyFieldListFilter)]
    list_select_related = ["release", "owner"]
    search_fields = ["name", "dataset_label"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    """The facilities, their submit hosts and compute sites: configuration the staff keep."""

    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(SubmitHost)
class SubmitHostAdmin(admin.ModelAdmin):
    list_display = ["hostname", "facility", "queue", "address"]
    list_select_related = ["facility"]


@admin.register(ComputeSite)
class ComputeSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "facility", "kind", "submit_host", "partition", "nodes", "cores_per_node", "walltime"]
    list_select_related = ["facility", "submit_host"]
