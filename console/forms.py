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
