import datetime
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from criteria.forms import StandingFilterForm
from criteria.models import MAX_YEAR, MIN_YEAR

from .models import SignatureBlock


class DossierFilterForm(StandingFilterForm):
    """`?set=&year=` for the dossier report: dossiers keep no history, so it has no as_of."""

    as_of = None


class SnapshotForm(forms.Form):
    # New for every form shown; a second post of the same form finds its snapshot saved.
    submission = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)
    meeting_date = forms.DateField(
        label=_("Ngày họp"),
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "size": 10}, format="%d/%m/%Y"),
    )
    meeting = forms.CharField(
        label=_("Cuộc họp"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"size": 32}),
        help_text=_("Ví dụ: Họp Ban Chỉ đạo tháng 5/2024."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"meeting_date": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_meeting_date(self):
        day = self.cleaned_data["meeting_date"]
        if not datetime.date(MIN_YEAR, 1, 1) <= day <= datetime.date(MAX_YEAR, 12, 31):
            raise forms.ValidationError(_("Ngày họp không hợp lệ."))
        return day


class SignatureBlockForm(forms.ModelForm):
    class Meta:
        model = SignatureBlock
        fields = ["body", "capacity", "signer_name", "source"]

    def clean(self):
        cleaned = super().clean()
        # A signer's name comes from a recorded decision, never from memory.
        if cleaned.get("signer_name", "").strip() and not cleaned.get("source", "").strip():
            self.add_error(
                "source", _("Ghi tên người ký thì phải ghi nguồn (văn bản kiện toàn Ban Chỉ đạo).")
            )
        return cleaned
