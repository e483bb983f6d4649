from django import forms
from django.contrib.auth.models import User

from console.bounded import date_problem
from console.identifiers import USERNAME, shown
from console.roles import Role


class UserField(forms.CharField):
    """A person named by their user name, typed (not picked from a list of every user): the ``User``, or None when
    left empty and not required. ``active_only`` refuses someone who cannot sign in; otherwise the service says why
    a user does not qualify."""

    def __init__(self, *, active_only: bool = False, **kwargs):
        self.active_only = active_only
        kwargs.setdefault("max_length", USERNAME.max_length)
        super().__init__(**kwargs)

    def clean(self, value) -> User | None:
        username = super().clean(value)  # the text, its length checked
        if not username:
            return None
        users = User.objects.filter(username=username)
        if self.active_only:
            users = users.filter(is_active=True)
        user = users.first()
        if user is None:
            raise forms.ValidationError(f"No {'active ' if self.active_only else ''}user {shown(username)!r}.")
        return user

    def prepare_value(self, value):
        return value.get_username() if isinstance(value, User) else value


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class _Bounded:
    """A date within ``console.bounded.EARLIEST_DATE`` and ``LATEST_DATE``, refused naming the field otherwise."""

    def validate(self, value):
        super().validate(value)
        if problem := date_problem(value):
            raise forms.ValidationError(problem, code="out_of_range")


class DateField(_Bounded, forms.DateField):
    """A date within the console's bounds (``_Bounded``)."""


class DateTimeField(_Bounded, forms.DateTimeField):
    """A date and time within the console's bounds (``_Bounded``)."""


class LongTextField(forms.CharField):
    """Free text typed in a textarea (a proposal, a comment), bounded by ``max_length`` as the browser counts it.

    The browser counts a line break as one character against the textarea's ``maxlength`` but sends it as CRLF:
    line breaks are made LF before the length is checked, so that a text the browser let through is not refused
    for its line breaks.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


def form_errors_message(form: forms.Form) -> str:
    """A form's errors for a message, one line per invalid field, naming the field and the value that was sent
    (the one formatter of every page's form errors)."""
    lines = []
    for name, errors in form.errors.items():
        if name not in form.fields:
            lines.extend(errors)
            continue
        values = form.data.getlist(name) if hasattr(form.data, "getlist") else [form.data.get(name, "")]
        sent = ", ".join(repr(value) for value in values) or "(not sent)"
        label = form[name].label or name.replace("_", " ").capitalize()
        lines.append(f"{label} {sent}: {' '.join(errors)}")
    return "\n".join(lines)
