"""The ways back that every error page offers: ``{% ways_back %}`` (``{% ways_back without_identifiers=True %}``
on a 404, whose address may name the missing object). Any template can use it with ``request`` in its context:
the pages rendered by the rate limits and the domain error middleware get it without passing anything."""

from django import template

from console.error_pages import nearest_page, previous_page

register = template.Library()


@register.inclusion_tag("errors/_ways_back.html", takes_context=True)
def ways_back(context, *, without_identifiers: bool = False, back_note: str = "") -> dict:
    request = context.get("request")
    if request is None:
        return {}
    nearest = nearest_page(request, without_identifiers=without_identifiers)
    return {
        "back_url": previous_page(request),
        "back_note": back_note,
        "nearest": nearest,
        "dashboard_is_nearest": nearest is not None and nearest.label == "the dashboard",
    }
