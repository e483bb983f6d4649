from django.contrib import admin

from console.admin import ReadOnlyAdmin
from releases.models import Release


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["version", "status", "created_at"]
    list_filter = ["status"]
