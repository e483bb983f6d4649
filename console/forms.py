from django import forms

from console.roles import Role


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
