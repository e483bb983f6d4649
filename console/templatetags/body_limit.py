"""``data-max-bytes="{% max_body_bytes %}"`` on a form whose body could pass the request size limit (a file, a long
text): ``static/console/body-limit.js`` stops it before it is sent, so that nothing typed is lost to a 413 page."""

from django import template
from django.conf import settings

from console.middleware import in_units

register = template.Library()


@register.simple_tag
def max_body_bytes() -> int:
    """The largest request body a page form may send (``RequestBodyLimitMiddleware`` refuses more)."""
    return settings.UPLOAD_MAX_BYTES


@register.simple_tag
def max_body_size() -> str:
    """The same limit as people read it ("2 MiB"), to say next to a file input before anything is sent."""
    return in_units(settings.UPLOAD_MAX_BYTES)
