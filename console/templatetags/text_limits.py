"""``maxlength="{% text_limit "comment" %}"`` on a text field written in a template: the limit of its use
(``console.text_limits``), which the services enforce and ``static/console/widgets.js`` counts down under it."""

from django import template

from console.text_limits import LIMITS

register = template.Library()


@register.simple_tag
def text_limit(use: str) -> int:
    """The most characters a text of this use may have; an unknown use is a mistake in the template."""
    return LIMITS[use]
