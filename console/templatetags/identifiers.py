"""Drawing identifiers (Jira keys, RFC ids, versions, slugs, user names) that a bad stored value cannot break.

``{{ value|shown }}`` is the value, or its escaped repr when it holds control, bidirectional or
invisible characters. ``{% identifier_link url text %}`` is a link to ``url`` showing ``text``; with an
empty ``url`` (``get_absolute_url`` of a value stored before identifiers were checked, or
``{% url ... as name %}``, which leaves ``name`` empty instead of raising) it is the text without a link.
"""

from django import template
from django.utils.html import format_html, format_html_join

from console import identifiers

register = template.Library()

UNLINKED_TITLE = "not a valid identifier: it has no page (manage.py check_identifiers lists such values)"


@register.filter
def shown(value: object) -> str:
    return identifiers.shown(value)


@register.simple_tag
def identifier_input_attrs(kind: str) -> str:
    """``pattern="..." title="..." maxlength="..."`` for a text box of a kind of ``identifiers.KINDS``
    (``"release_version"``): the browser says what is expected when a value does not match."""
    attributes = identifiers.KINDS[kind].input_attrs()
    return format_html_join(" ", '{}="{}"', attributes.items())


@register.simple_tag
def identifier_hint(kind: str) -> str:
    """What a box of that kind takes, to say next to it: "a release version, e.g. v23.0.1 or w.2021.28"."""
    return identifiers.KINDS[kind].hint


@register.simple_tag
def identifier_link(url: str, text: object, **attributes: str) -> str:
    """``<a href="url">text</a>``, or ``<span>text</span>`` when there is no url; ``attributes`` are added
    to either (``data_testid="x"`` becomes ``data-testid="x"``)."""
    classes = attributes.pop("class", "")
    if not url:
        classes = f"{classes} text-danger".strip()
        attributes.update(title=UNLINKED_TITLE, data_unlinked="true")
    class_attribute = format_html(' class="{}"', classes) if classes else ""
    extra = format_html_join("", ' {}="{}"', ((name.replace("_", "-"), value) for name, value in attributes.items()))
    if url:
        return format_html('<a{} href="{}"{}>{}</a>', class_attribute, url, extra, identifiers.shown(text))
    return format_html("<span{}{}>{}</span>", class_attribute, extra, identifiers.shown(text))
