from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class UploadForm(forms.Form):
    """One evidence file for an item: a new document, or a new version of one."""

    file = forms.FileField(
        label=_("Tệp"),
        help_text=_("PDF, ảnh JPEG/PNG chụp bằng điện thoại, Word (DOC, DOCX) hoặc Excel (XLS, XLSX)."),
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

    def __init__(self, *args, item: DossierItem, titles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_kind"].choices = [(OTHER, _("— Khác —"))] + [
            (k, k) for k in item.required_evidence()
        ]
        self.fields["replaces"].choices = [("", _("— Tài liệu mới —"))] + [(t, t) for t in titles]

    def clean_effective_date(self):
        day = self.cleaned_data["effective_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("Ngày của tài liệu không thể sau hôm nay."))
        return day


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Lý do rút"), widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


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
