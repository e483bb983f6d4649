"""A milestone's status as a badge: a filter, not an include, because the report draws hundreds of them."""

from django import template
from django.utils.html import format_html

from milestones.choices import MilestoneStatus

register = template.Library()

BADGE_COLOURS = {
    MilestoneStatus.DONE: "success",
    MilestoneStatus.IN_PROGRESS: "primary",
    MilestoneStatus.WONT_FIX: "dark",
}


@register.filter
def status_badge(status: str) -> str:
    return format_html('<span class="badge text-bg-{}">{}</span>', BADGE_COLOURS.get(status, "secondary"), status)
