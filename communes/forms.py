from django import forms
from django.utils.translation import gettext_lazy as _

from criteria.forms import SpreadsheetUploadForm

from .models import Commune
from .resources import COLUMNS, OPTIONAL_COLUMNS


class MergerForm(forms.Form):
    """A merger as the coordinator enters it: the communes it ends, the one it makes, the day.

    `communes` are those the user coordinates (the only ones they may merge).
    """

    predecessors = forms.ModelMultipleChoiceField(
        label=_("Các xã được sáp nhập"), queryset=None, to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    into_code = forms.CharField(label=_("Mã xã mới"), max_length=10)
    name = forms.CharField(
        label=_("Tên xã mới"), max_length=200, required=False,
        help_text=_("Bắt buộc khi mã xã mới chưa có trong hệ thống."),
    )  # fmt: skip
    on = forms.DateField(label=_("Ngày sáp nhập có hiệu lực"), help_text=_("dd/mm/yyyy"))

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.communes = communes
        self.fields["predecessors"].queryset = communes.current().order_by("search_name", "name")
        self.fields["predecessors"].label_from_instance = lambda commune: f"{commune.name} ({commune.code})"

    def clean_into_code(self):
        code = self.cleaned_data["into_code"].strip()
        # An existing commune receives the others only from one who coordinates it.
        if Commune.objects.filter(code=code).exists() and not self.communes.filter(code=code).exists():
            raise forms.ValidationError(_("Bạn không điều phối xã mã “%(code)s”.") % {"code": code})
        return code


class UnitsFileForm(SpreadsheetUploadForm):
    """A units file (DESIGN §5), .xlsx or .csv, within the import size limit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Tệp danh mục đơn vị (.xlsx hoặc .csv)")
        self.fields["file"].help_text = _("Cột: %(columns)s; có thể thêm: %(optional)s") % {
            "columns": " | ".join(COLUMNS),
            "optional": " | ".join(OPTIONAL_COLUMNS),
        }
