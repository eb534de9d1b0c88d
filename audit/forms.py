from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .history import SOURCES


class AuditFilterForm(forms.Form):
    """`?commune=CODE&kind=KIND&person=USERNAME`: every field optional, a bad value
    ignored (the list shows everything the user may read)."""

    commune = forms.ModelChoiceField(
        label=_("Xã"), queryset=None, to_field_name="code", required=False, empty_label=_("— Tất cả —")
    )
    kind = forms.ChoiceField(label=_("Loại thay đổi"), required=False)
    person = forms.CharField(
        label=_("Người thực hiện"), required=False, max_length=150, help_text=_("Tên đăng nhập.")
    )

    def __init__(self, data=None, *, communes):
        super().__init__(data or None)
        self.fields["commune"].queryset = communes.order_by("search_name", "name")
        self.fields["kind"].choices = [("", _("— Tất cả —"))] + [(k, s.label) for k, s in SOURCES.items()]

    def clean_person(self):
        username = self.cleaned_data["person"].strip()
        if not username:
            return None
        user = get_user_model().objects.filter(username__iexact=username).first()
        if user is None:
            raise forms.ValidationError(_("Không có người dùng “%(name)s”."), params={"name": username})
        return user

    def resolve(self) -> dict:
        """The filters that validated: commune, kind and user (None or "" when not asked)."""
        cleaned = {}
        if self.is_bound:
            self.is_valid()
            cleaned = self.cleaned_data
        return {
            "commune": cleaned.get("commune"),
            "kind": cleaned.get("kind") or "",
            "user": cleaned.get("person"),
        }
