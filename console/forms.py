from django import forms

from console.bounded import date_problem
from console.roles import Role


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
