"""Identifiers that name objects in page addresses: one pattern per kind, for every entry point and every URL.

Each kind's pattern is used by

- its validator, which every entry point runs: the model field (so ``full_clean`` and admin forms refuse),
  the forms, the API serializers, the services (imports, the Jira sync, the management commands, the demo);
- its URL converter (``<jira_key:...>``, ``<release_version:...>``, ...), so that a route answers 404 to a
  value the validator would refuse, and ``reverse()`` refuses to build an address from one.

A value stored before these checks, or written into the database by hand, must not break the pages that
list it: ``url_for`` answers "" for it where ``reverse()`` would raise ``NoReverseMatch``, and the template
tags of ``console.templatetags.identifiers`` draw it escaped (``shown``) and without a link.
``manage.py check_identifiers`` lists such values.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.urls import register_converter, reverse
from django.utils.deconstruct import deconstructible


def shown(value: object) -> str:
    """The value as text to show people: itself when every character is printable, else its repr.

    Control characters (NUL, newlines), bidirectional overrides (U+202E) and invisible ones
    (U+200B) then appear as escapes such as ``\\u202e`` instead of acting on the page or the
    terminal; the quotes of the repr say that the value was escaped.
    """
    text = "" if value is None else str(value)
    return text if text.isprintable() else repr(text)


@dataclass(frozen=True)
class IdentifierKind:
    """A kind of identifier: its name and example for the messages, its pattern (without anchors), its length."""

    name: str
    regex: str
    example: str
    max_length: int
    article: str = "a"
    _pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", re.compile(self.regex))

    def is_valid(self, value: object) -> bool:
        # fullmatch, not match with "$": "$" would also accept a trailing newline.
        return isinstance(value, str) and len(value) <= self.max_length and self._pattern.fullmatch(value) is not None

    def problem(self, value: object) -> str | None:
        """Why the value is not one of this kind (naming it, escaped), or None when it is."""
        if self.is_valid(value):
            return None
        if isinstance(value, str) and len(value) > self.max_length:
            return f"{value[:40]!r}... is longer than {self.article} {self.name} may be ({self.max_length} characters)"
        return f"{value!r} is not {self.article} {self.name} like {self.example}"

    def validate(self, value: object) -> None:
        """Raise Django's ``ValidationError`` (which forms, serializers and ``full_clean`` report per field)."""
        problem = self.problem(value)
        if problem is not None:
            raise ValidationError(problem, code="invalid")

    @property
    def hint(self) -> str:
        """What a box of this kind takes, said next to it: "an RFC id, e.g. RFC-812"."""
        return f"{self.article} {self.name}, e.g. {self.example}"

    def input_attrs(self, pattern: str | None = None) -> dict[str, str]:
        """The HTML attributes of a text box of this kind: the browser refuses a value that does not match the
        pattern (``pattern``, or the kind's own) and says what is expected (the title)."""
        return {
            "pattern": html_pattern(pattern or self.regex),
            "title": self.hint[0].upper() + self.hint[1:],
            "maxlength": str(self.max_length),
        }


def html_pattern(regex: str) -> str:
    """The regex as an HTML ``pattern``, which browsers compile with JavaScript's ``v`` flag: there a ``-`` at
    either end of a character class (``[-a-z_]``) must be escaped, or the pattern is invalid and checks nothing."""
    return regex.replace("[-", "[\\-").replace("-]", "\\-]")


JIRA_KEY = IdentifierKind(
    name="Jira key",
    # A Jira project key (an upper-case letter, then upper-case letters, digits, underscores), a dash, the number.
    regex=r"[A-Z][A-Z0-9_]*-[0-9]{1,9}",
    example="PREOPS-154",
    max_length=32,
)
RFC_ID = IdentifierKind(name="RFC id", regex=r"RFC-[0-9]{1,6}", example="RFC-812", max_length=16, article="an")
TICKET = IdentifierKind(name="ticket", regex=r"DM-[0-9]{1,6}", example="DM-34567", max_length=16)
RELEASE_VERSION = IdentifierKind(
    # A version (v23.0.1) or a weekly build (w.2021.28: the year and the week).
    name="release version",
    regex=r"v[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,4}|w\.[0-9]{4}\.[0-9]{1,2}",
    example="v23.0.1 or w.2021.28",
    max_length=32,
)
# How people write a release that is not its stored form: "v23" and "v23.1" for v23.0.0 and v23.1.0, the stack's
# weekly tag "w_2021_28" for w.2021.28.
_SHORT_RELEASE_VERSION = re.compile(r"v([0-9]{1,4})(?:\.([0-9]{1,4}))?")
_WEEKLY_TAG = re.compile(r"w_([0-9]{4})_([0-9]{1,2})")
# What a version box or an API field takes (the stored form or a short one), for its HTML pattern and its schema.
RELEASE_VERSION_AS_WRITTEN = rf"{RELEASE_VERSION.regex}|v[0-9]{{1,4}}(?:\.[0-9]{{1,4}})?|w_[0-9]{{4}}_[0-9]{{1,2}}"


def release_version_normalized(text: object) -> object:
    """The stored form of a release version as people write it; anything else unchanged, for the validator to
    name (a stray space or newline included: forms strip them, the API and services do not guess)."""
    if not isinstance(text, str):
        return text
    if short := _SHORT_RELEASE_VERSION.fullmatch(text):
        return f"v{short[1]}.{short[2] or 0}.0"
    if weekly := _WEEKLY_TAG.fullmatch(text):
        return f"w.{weekly[1]}.{weekly[2]}"
    return text


COMMITTEE_SLUG = IdentifierKind(
    # Django's slug (what SlugField checks): ASCII letters, digits, dashes and underscores.
    name="committee slug",
    regex=r"[-a-zA-Z0-9_]+",
    example="policy",
    max_length=50,
)
USERNAME = IdentifierKind(
    # Django's user names ([\w.@+-]+), but not only dots: "." and ".." would address another page.
    name="user name",
    regex=r"[\w.@+-]*[\w@+-][\w.@+-]*",
    example="jdoe",
    max_length=150,
)

# Every kind by the name of its URL converter (<jira_key:...>) and of its validator.
KINDS = {
    "jira_key": JIRA_KEY,
    "rfc_id": RFC_ID,
    "ticket": TICKET,
    "release_version": RELEASE_VERSION,
    "committee_slug": COMMITTEE_SLUG,
    "username": USERNAME,
}


@deconstructible
class IdentifierValidator(RegexValidator):
    """The validator of one kind, for model fields, forms and serializers.

    A ``RegexValidator`` so that drf-spectacular writes the kind's pattern into the OpenAPI schema;
    its message names the value, escaped (``IdentifierKind.problem``).
    """

    def __init__(self, kind: str) -> None:
        self.kind_name = kind
        self.kind = KINDS[kind]
        super().__init__(regex=rf"\A(?:{self.kind.regex})\Z", code="invalid")

    def __call__(self, value: object) -> None:
        self.kind.validate(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdentifierValidator) and other.kind_name == self.kind_name

    def __hash__(self) -> int:
        return hash(self.kind_name)


# The validators of the model fields, forms and serializers (migrations name them by kind).
validate_jira_key = IdentifierValidator("jira_key")
validate_rfc_id = IdentifierValidator("rfc_id")
validate_ticket = IdentifierValidator("ticket")
validate_release_version = IdentifierValidator("release_version")
validate_committee_slug = IdentifierValidator("committee_slug")
validate_username = IdentifierValidator("username")


# URL converters ------------------------------------------------------------------------------------


class IdentifierConverter:
    """A path converter matching exactly the values of one kind; ``to_url`` refuses any other value."""

    kind: IdentifierKind

    def __init__(self) -> None:
        self.regex = self.kind.regex

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        if not self.kind.is_valid(value):
            raise ValueError(self.kind.problem(value))  # reverse() then raises NoReverseMatch
        return value


def register_converters() -> None:
    """Register a path converter per kind, named as in ``KINDS`` (``<jira_key:...>``, ``<release_version:...>``,
    ...), for the URL patterns; called once, from ``ConsoleConfig.ready``."""
    for name, kind in KINDS.items():
        converter = type(f"{name.title().replace('_', '')}Converter", (IdentifierConverter,), {"kind": kind})
        register_converter(converter, name)


def url_for(viewname: str, kind: IdentifierKind, **kwargs: str) -> str:
    """The address of the page named by identifiers of ``kind``, or "" when one of them, stored before the
    checks, cannot be part of an address (where ``reverse()`` would raise ``NoReverseMatch``)."""
    if not all(kind.is_valid(value) for value in kwargs.values()):
        return ""
    return reverse(viewname, kwargs=kwargs)
