from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from criteria.forms import OnBehalfForm
from criteria.models import MAX_YEAR, MIN_YEAR, CriteriaSet

from .models import Appraisal, DossierItem

OTHER = ""


class OpenDossierForm(forms.Form):
    criteria_set = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"),
        queryset=CriteriaSet.objects.filter(level=CriteriaSet.Level.COMMUNE),
        to_field_name="code",
    )
    year = forms.IntegerField(label=_("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR)


# What the browser may offer in its file picker; the server still judges by content.
ACCEPTED_EXTENSIONS = ".pdf,.jpg,.jpeg,.png,.heic,.heif,.doc,.docx,.xls,.xlsx"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(OnBehalfForm):
    """Evidence files for an item: new documents, or a new version of one.

    Several files may be sent at once; each becomes a document titled by its file name
    (or by its kind, when the browser sent one kind per file). The kind defaults to the
    first one still missing; a new version keeps the kind of the document it replaces.
    """

    file = MultipleFileField(
        label=_("Tệp"),
        help_text=_(
            "Chọn hoặc kéo thả một hay nhiều tệp: PDF, ảnh JPEG/PNG/HEIC chụp bằng điện thoại, "
            "Word (DOC, DOCX) hoặc Excel (XLS, XLSX)."
        ),
    )
    evidence_kind = forms.ChoiceField(label=_("Loại minh chứng"), required=False)
    replaces = forms.ChoiceField(
        label=_("Là phiên bản mới của"),
        required=False,
        help_text=_("Chọn tài liệu đã có nếu đây là bản cập nhật; để trống nếu là tài liệu mới."),
    )
    title = forms.CharField(label=_("Tên tài liệu"), max_length=300, required=False)
    effective_date = forms.DateField(
        label=_("Ngày của tài liệu"),
        required=False,
        help_text=_("Ngày ký hoặc ngày số liệu của minh chứng (dd/mm/yyyy), khác với ngày tải lên."),
    )

    def __init__(self, *args, item: DossierItem, titles: list[str], missing=(), **kwargs):
        super().__init__(*args, **kwargs)
        kinds = item.required_evidence() if not item.is_general else []
        self.fields["evidence_kind"].choices = [(OTHER, _("— Khác —"))] + [(k, k) for k in kinds]
        first_missing = next((k for k in missing if k in kinds), OTHER)
        self.fields["evidence_kind"].initial = first_missing
        self.fields["replaces"].choices = [("", _("— Tài liệu mới —"))] + [(t, t) for t in titles]
        self.kinds = kinds
        widget = self.fields["file"].widget
        widget.attrs.update(
            {
                "accept": ACCEPTED_EXTENSIONS,
                "data-max-bytes": settings.UPLOAD_MAX_MB * 1024 * 1024,
                "data-max-total-bytes": settings.UPLOAD_MAX_REQUEST_MB * 1024 * 1024,
                "data-missing-kinds": "\n".join(k for k in missing if k in kinds),
            }
        )

    def clean(self):
        cleaned = super().clean()
        files = cleaned.get("file") or []
        if len(files) > 1 and cleaned.get("replaces"):
            self.add_error("replaces", _("Phiên bản mới chỉ thay một tài liệu: hãy chọn một tệp."))
        # One kind per file, when the browser sent them (the drag-and-drop list).
        kinds = self.data.getlist("kinds") if hasattr(self.data, "getlist") else []
        if kinds and len(kinds) == len(files):
            allowed = {OTHER, *self.kinds}
            cleaned["kinds"] = [k if k in allowed else OTHER for k in kinds]
        else:
            cleaned["kinds"] = [cleaned.get("evidence_kind", OTHER)] * len(files)
        return cleaned

    def clean_effective_date(self):
        day = self.cleaned_data["effective_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("Ngày của tài liệu không thể sau hôm nay."))
        return day


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Lý do rút"), widget=forms.Textarea(attrs={"rows": 2}))


class StepForm(OnBehalfForm):
    """A workflow step: a comment, "thay mặt xã" when the district acts for the commune,
    and the coordinator's reason to pass a gate that says no."""

    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label=_("Lý do vẫn chuyển bước khi chưa đủ điều kiện"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Chỉ Văn phòng điều phối; lý do được ghi vào nhật ký và in trên báo cáo hồ sơ."),
    )

    def __init__(self, *args, on_behalf: bool = False, may_override: bool = False, **kwargs):
        super().__init__(*args, on_behalf=on_behalf, **kwargs)
        if not may_override:
            del self.fields["override_reason"]

    def step_kwargs(self) -> dict:
        """What the step's service takes: the comment, and the reasons this form asked for."""
        kwargs = {"comment": self.cleaned_data.get("comment", "")}
        if self.acts_for_commune:
            kwargs["on_behalf_reason"] = self.reason
        if "override_reason" in self.fields:
            kwargs["override_reason"] = self.cleaned_data.get("override_reason", "")
        return kwargs


class SendForm(forms.Form):
    due_on = forms.DateField(
        label=_("Hạn các sở, ngành trả kết quả"),
        required=False,
        help_text=_("Không bắt buộc (dd/mm/yyyy); quá hạn chưa có kết quả thì hiện trong việc cần làm."),
    )

    def step_kwargs(self) -> dict:
        return {"due_on": self.cleaned_data.get("due_on")}


class DueForm(forms.Form):
    due_on = forms.DateField(label=_("Hạn xã nộp hồ sơ"), required=False)


class ReviewForm(forms.Form):
    review = forms.ChoiceField(
        label=_("Kết quả thẩm tra"),
        choices=[
            (DossierItem.Review.COMPLETE, _("Đạt yêu cầu")),
            (DossierItem.Review.INCOMPLETE, _("Cần bổ sung")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("review") == DossierItem.Review.INCOMPLETE and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Khi đánh giá “Cần bổ sung”, hãy ghi nội dung cần bổ sung."))
        return cleaned


class AppraisalForm(forms.ModelForm):
    class Meta:
        model = Appraisal
        fields = ["sent_on", "criteria", "inspected_on", "result", "comments"]
        widgets = {"criteria": forms.CheckboxSelectMultiple, "comments": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = dossier.criteria_set.criteria.order_by("number")
        self.fields["criteria"].required = False

    def clean(self):
        cleaned = super().clean()
        sent_on, inspected_on = cleaned.get("sent_on"), cleaned.get("inspected_on")
        today = timezone.localdate()
        if sent_on and sent_on > today:
            self.add_error("sent_on", _("Ngày gửi không thể sau hôm nay."))
        if inspected_on and not sent_on:
            self.add_error("inspected_on", _("Chưa có ngày gửi hồ sơ thì chưa thể về kiểm tra."))
        elif inspected_on and sent_on and inspected_on < sent_on:
            self.add_error("inspected_on", _("Ngày về kiểm tra không thể trước ngày gửi hồ sơ."))
        if cleaned.get("result") not in (None, Appraisal.Result.PENDING) and not sent_on:
            self.add_error("result", _("Chưa gửi hồ sơ cho sở, ngành này thì chưa thể có kết quả."))
        return cleaned


class RecognitionDecisionForm(forms.Form):
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=100)
    decided_on = forms.DateField(label=_("Ngày quyết định"))
    signer = forms.CharField(label=_("Người ký"), max_length=200, required=False)

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Ngày quyết định không thể sau hôm nay."))
        return day
