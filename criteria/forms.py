import datetime
from functools import cached_property

from django import forms
from django.db.models import Exists, OuterRef
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Province
from ntm.lib.spreadsheet_files import FORMATS, SpreadsheetError, check_size
from ntm.lib.spreadsheets import parse_decimal

from .models import (
    MAX_YEAR,
    MIN_YEAR,
    CriteriaSet,
    Criterion,
    Indicator,
    IndicatorTarget,
    Recognition,
    Registration,
    Score,
    overlapping_targets,
)


class CopySetForm(forms.Form):
    """Create a provincial set from a national one."""

    code = forms.RegexField(
        label=_("Mã bộ tiêu chí mới"),
        max_length=60,
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        error_messages={"invalid": _("Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới.")},
        help_text=_("Ví dụ: TH-1234-2022-XA-NTM (chữ không dấu, số và gạch ngang)."),
    )
    name = forms.CharField(label=_("Tên bộ tiêu chí"), max_length=300)
    issuer = forms.ModelChoiceField(label=_("Tỉnh ban hành"), queryset=Province.objects.none())
    legal_basis = forms.CharField(
        label=_("Căn cứ pháp lý"),
        max_length=400,
        required=False,
        help_text=_("Số, ngày quyết định của UBND tỉnh, ví dụ: 1234/QĐ-UBND ngày 15/6/2022."),
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = provinces
        if len(provinces) == 1:
            self.fields["issuer"].initial = provinces[0]

    def clean_code(self):
        code = self.cleaned_data["code"].upper()
        if CriteriaSet.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Đã có bộ tiêu chí với mã %(code)s."), params={"code": code})
        return code


class CriteriaSetForm(forms.ModelForm):
    applies_to = forms.TypedMultipleChoiceField(
        label=_("Áp dụng cho"),
        choices=Commune.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Để trống: mọi loại đơn vị."),
    )

    class Meta:
        model = CriteriaSet
        fields = [
            "name",
            "name_en",
            "period",
            "legal_basis",
            "issued_on",
            "effective_on",
            "signer",
            "applies_to",
            "target_dimension",
            "verified",
            "source_note",
        ]
        widgets = {
            "issued_on": forms.DateInput(format="%d/%m/%Y"),
            "effective_on": forms.DateInput(format="%d/%m/%Y"),
            "source_note": forms.Textarea(attrs={"rows": 4}),
        }


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["name", "name_en", "group", "source", "unverified"]
        widgets = {"source": forms.Textarea(attrs={"rows": 2})}


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "text",
            "text_en",
            "kind",
            "unit",
            "conditional",
            "order",
            "source",
            "unverified",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "text_en": forms.Textarea(attrs={"rows": 2}),
            "source": forms.Textarea(attrs={"rows": 1}),
        }

    def __init__(self, *args, criteria_set, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria_set = criteria_set

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        clash = Indicator.objects.filter(criterion__criteria_set=self.criteria_set, code=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("Mã chỉ tiêu %(code)s đã có trong bộ tiêu chí."), params={"code": code}
            )
        return code


class BaseIndicatorFormSet(forms.BaseInlineFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "criteria_set": self.instance.criteria_set}

    def clean(self):
        super().clean()
        codes = [f.cleaned_data.get("code") for f in self.forms if f.has_changed() or f.instance.pk]
        codes = [c for c in codes if c]
        if len(codes) != len(set(codes)):
            raise forms.ValidationError(_("Mỗi mã chỉ tiêu chỉ được dùng một lần."))


IndicatorFormSet = forms.inlineformset_factory(
    Criterion, Indicator, form=IndicatorForm, formset=BaseIndicatorFormSet, extra=1, can_delete=False
)


class IndicatorEvidenceForm(forms.ModelForm):
    """The evidence list is edited one document kind per line."""

    required_evidence = forms.CharField(
        label=_("Hồ sơ minh chứng cần có"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Mỗi dòng một loại tài liệu."),
    )

    class Meta:
        model = Indicator
        fields = ["required_evidence", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["required_evidence"] = "\n".join(self.instance.required_evidence or [])

    def clean_required_evidence(self):
        return [line.strip() for line in self.cleaned_data["required_evidence"].splitlines() if line.strip()]


class TargetForm(forms.ModelForm):
    class Meta:
        model = IndicatorTarget
        fields = ["region", "commune_group", "from_year", "to_year", "value", "source", "unverified"]
        widgets = {"source": forms.Textarea(attrs={"rows": 1})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("region") and cleaned.get("commune_group"):
            raise forms.ValidationError(
                _("Một mức đạt chuẩn chỉ áp dụng theo vùng hoặc theo nhóm xã, không cả hai.")
            )
        first, last = cleaned.get("from_year"), cleaned.get("to_year")
        for name in ("from_year", "to_year"):
            year = cleaned.get(name)
            if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
                self.add_error(
                    name, _("Năm phải từ %(first)s đến %(last)s.") % {"first": MIN_YEAR, "last": MAX_YEAR}
                )
        if first is not None and last is not None and last < first:
            self.add_error("to_year", _("“Đến năm” không thể trước “Từ năm”."))
        return cleaned


class BaseTargetFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if overlapping_targets(kept):
            raise forms.ValidationError(
                _("Có hai mức đạt chuẩn cho cùng một vùng/nhóm xã trong cùng một năm: hãy tách khoảng năm.")
            )


TargetFormSet = forms.inlineformset_factory(
    Indicator, IndicatorTarget, form=TargetForm, formset=BaseTargetFormSet, extra=2, can_delete=True
)


class ScoreForm(forms.Form):
    """One indicator's self-assessment on the per-criterion entry page."""

    value = forms.CharField(label=_("Giá trị"), required=False, max_length=500)
    status = forms.ChoiceField(label=_("Kết quả"), required=False)
    override_reason = forms.CharField(
        label=_("Lý do điều chỉnh"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    # Model errors from Score.assess, mapped to the field that shows them.
    FIELD_FOR = {"value_number": "value", "status": "status", "override_reason": "override_reason"}

    def __init__(self, *args, score: Score, target: IndicatorTarget | None, **kwargs):
        self.score, self.target = score, target
        indicator = score.indicator
        # The status is left to the computation only where there is a number to compare with.
        computable = indicator.is_numeric and target is not None and target.threshold is not None
        # A status that differs from the computed one (chosen without a value, or
        # overridden) is shown as chosen, so saving the note alone keeps it.
        automatic = computable and score.status in (Score.Status.NOT_ASSESSED, score.computed_status(target))
        kwargs.setdefault(
            "initial",
            {
                "value": score.value_display,
                "status": "" if automatic or score.status == Score.Status.NOT_ASSESSED else score.status,
                "override_reason": score.override_reason,
                "note": score.note,
                "version": score.version if score.pk else 0,
            },
        )
        super().__init__(*args, **kwargs)
        empty = _("— Tự tính từ giá trị —") if computable else _("— Chưa đánh giá —")
        statuses = [s for s in Score.Status if s != Score.Status.NOT_ASSESSED]
        if not indicator.conditional:
            statuses.remove(Score.Status.NOT_APPLICABLE)
        self.fields["status"].choices = [("", empty), *((s.value, s.label) for s in statuses)]
        if indicator.unit:
            self.fields["value"].help_text = indicator.unit

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("value", "").strip()
        value_number, value_text = None, text
        if self.score.indicator.is_numeric and text:
            try:
                value_number, value_text = parse_decimal(text), ""
            except ValueError:
                self.add_error("value", _("Giá trị phải là số, ví dụ 85,5."))
                return cleaned
        try:
            self.score.assess(
                value_number=value_number,
                value_text=value_text,
                status=cleaned.get("status", ""),
                reason=cleaned.get("override_reason", ""),
                target=self.target,
            )
        except forms.ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(self.FIELD_FOR.get(field), message)
        self.score.note = cleaned.get("note", "").strip()
        return cleaned


class ScoreAdminForm(forms.ModelForm):
    """A score edited in the admin, judged by Score.assess() against the target that
    applies, as the entry page and the imports judge it."""

    status = forms.ChoiceField(
        label=_("kết quả tự đánh giá"),
        required=False,
        choices=[("", _("— Tự tính từ giá trị —")), *Score.Status.choices],
        help_text=_("Để trống để tính từ giá trị và mức đạt chuẩn áp dụng cho xã."),
    )

    class Meta:
        model = Score
        fields = [
            "indicator", "commune", "village", "year", "value_number", "value_text", "status",
            "override_reason", "note", "verification", "verified_by", "verified_at", "verification_comment",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        indicator, commune, year = (cleaned.get(name) for name in ("indicator", "commune", "year"))
        if indicator is None or commune is None or year is None:
            return cleaned
        # Judged by the indicator as worded, and the target, in force for the score's year.
        edition = indicator.criterion.criteria_set.edition(year)
        score = Score(indicator=edition.indicator(indicator), commune=commune, year=year)
        try:
            score.assess(
                value_number=cleaned.get("value_number"),
                value_text=cleaned.get("value_text", ""),
                status=cleaned.get("status") or "",
                reason=cleaned.get("override_reason", ""),
                target=edition.target(score.indicator, commune),
            )
        except forms.ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
            cleaned["status"] = self.instance.status
            return cleaned
        cleaned.update(
            value_number=score.value_number,
            value_text=score.value_text,
            status=score.status,
            override_reason=score.override_reason,
        )
        return cleaned


class VerificationForm(forms.Form):
    decision = forms.TypedChoiceField(
        label=_("Kết luận thẩm tra"),
        choices=[("1", _("Xác nhận")), ("0", _("Không xác nhận"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Ý kiến thẩm tra"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") is False and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Khi không xác nhận, hãy ghi ý kiến thẩm tra."))
        return cleaned


class RegistrationForm(forms.ModelForm):
    DUPLICATE = _("Xã đã đăng ký về đích năm này cho bộ tiêu chí này.")

    class Meta:
        model = Registration
        fields = ["criteria_set", "target_year", "registered_on", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, commune, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.commune = commune
        self.fields["criteria_set"].queryset = CriteriaSet.objects.filter(level=CriteriaSet.Level.COMMUNE)
        self.fields["target_year"].widget.attrs.update(min=MIN_YEAR, max=MAX_YEAR)
        self.fields["registered_on"].initial = timezone.localdate

    def clean_target_year(self):
        year = self.cleaned_data["target_year"]
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise forms.ValidationError(_("Năm về đích không hợp lệ."))
        return year

    def clean(self):
        cleaned = super().clean()
        duplicate = Registration.objects.filter(
            commune=self.instance.commune,
            criteria_set=cleaned.get("criteria_set"),
            target_year=cleaned.get("target_year"),
        )
        if duplicate.exists():
            raise forms.ValidationError(self.DUPLICATE)
        return cleaned


class RecognitionForm(forms.ModelForm):
    DUPLICATE = _("Quyết định số này đã được ghi cho xã và bộ tiêu chí này.")

    class Meta:
        model = Recognition
        fields = ["criteria_set", "decision_number", "decided_on", "signer"]

    def __init__(self, *args, commune, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.commune = commune
        self.fields["criteria_set"].queryset = CriteriaSet.objects.filter(level=CriteriaSet.Level.COMMUNE)

    def clean(self):
        cleaned = super().clean()
        duplicate = Recognition.objects.filter(
            commune=self.instance.commune,
            criteria_set=cleaned.get("criteria_set"),
            decision_number=cleaned.get("decision_number", "").strip(),
        )
        if duplicate.exists():
            raise forms.ValidationError(self.DUPLICATE)
        return cleaned


class RevocationForm(forms.ModelForm):
    class Meta:
        model = Recognition
        fields = ["revoked_on", "revocation_reason"]
        widgets = {"revocation_reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revoked_on"].required = True
        self.fields["revocation_reason"].required = True

    def clean_revoked_on(self):
        revoked_on = self.cleaned_data["revoked_on"]
        if revoked_on < self.instance.decided_on:
            raise forms.ValidationError(_("Ngày thu hồi không thể trước ngày quyết định công nhận."))
        return revoked_on


class _ListedSets(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for criteria_set in self.field.listed:
            yield self.choice(criteria_set)

    def __len__(self):
        return len(self.field.listed) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.listed)


class CriteriaSetField(forms.ModelChoiceField):
    """A criteria set by its code, from the sets read once per form (one query): the
    options, the check of the code given and the default all come from that list."""

    iterator = _ListedSets

    def __init__(self, **kwargs):
        super().__init__(queryset=CriteriaSet.objects.none(), to_field_name="code", **kwargs)

    @cached_property
    def listed(self) -> list[CriteriaSet]:
        return list(self.queryset)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        for criteria_set in self.listed:
            if criteria_set.code == value:
                return criteria_set
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class StandingFilterForm(forms.Form):
    """`?set=CODE&year=YYYY&as_of=YYYY-MM-DD`, shared by the dashboard, the
    scorecard, exports and reports. Missing or bad values fall back to defaults:
    the newest commune set that has scores, its latest year, and today."""

    set = CriteriaSetField(label=_("Bộ tiêu chí"), required=False)
    year = forms.IntegerField(label=_("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)
    as_of = forms.DateField(
        label=_("Số liệu tính đến ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "size": 10}, format="%d/%m/%Y"),
        help_text=_("Để trống: số liệu hiện tại."),
    )

    def __init__(self, data=None, *, level=CriteriaSet.Level.COMMUNE):
        super().__init__(data or None)
        self.fields["set"].queryset = (
            CriteriaSet.objects.filter(level=level)
            .annotate(
                has_scores=Exists(Score.objects.filter(indicator__criterion__criteria_set=OuterRef("pk")))
            )
            .order_by("-has_scores", "-period", "tier", "code")
        )

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of and as_of > timezone.localdate():
            raise forms.ValidationError(_("Ngày xem số liệu không thể sau hôm nay."))
        return as_of

    def resolve(self) -> tuple[CriteriaSet | None, int, datetime.date | None]:
        """The set, year and as-of date to show; defaults where the query is absent or bad."""
        cleaned = {}
        if self.is_bound:
            self.is_valid()
            # Only the fields that validated: a bad date must not also lose the set.
            cleaned = self.cleaned_data
        listed = self.fields["set"].listed
        criteria_set = cleaned.get("set") or (listed[0] if listed else None)
        year = cleaned.get("year")
        if year is None:
            latest = None if criteria_set is None else Score.latest_year(criteria_set)
            year = latest or timezone.localdate().year
        if not self.is_bound:
            # Show what is displayed, not empty boxes.
            self.initial.update(set=criteria_set, year=year)
        return criteria_set, year, cleaned.get("as_of")


class SpreadsheetUploadForm(forms.Form):
    """An .xlsx or .csv file, within the import size limit (IMPORT_MAX_MB)."""

    file = forms.FileField(
        label=_("Tệp kết quả (.xlsx hoặc .csv)"),
        help_text=_(
            "Cột: Mã xã | Xã | Mã thôn | Bộ tiêu chí | Mã chỉ tiêu | Năm | Giá trị | Kết quả | Ghi chú"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in FORMATS:
            raise forms.ValidationError(_("Chỉ nhận tệp .xlsx hoặc .csv."))
        try:
            check_size(upload.size)
        except SpreadsheetError as error:
            raise forms.ValidationError(str(error)) from error
        upload.extension = extension
        return upload


class CriteriaWorkbookForm(forms.Form):
    """A criteria workbook (.xlsx), within the import size limit."""

    file = forms.FileField(
        label=_("Tệp bộ tiêu chí (.xlsx)"),
        help_text=_(
            "Các trang: Bộ tiêu chí, Tiêu chí, Chỉ tiêu, Mức đạt, và nếu có: Áp dụng mức vùng, Sửa đổi."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Chỉ nhận tệp .xlsx (một bộ tiêu chí gồm nhiều trang)."))
        try:
            check_size(upload.size)
        except SpreadsheetError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


class OnBehalfForm(forms.Form):
    """ "Thay mặt xã": the district entering for a commune ticks the box and says why.

    `on_behalf` (from CommuneCan or DossierCan) says whether the user acts for the
    commune; the commune's own officials never see the fields.
    """

    on_behalf = forms.BooleanField(label=_("Thay mặt xã"), required=False)
    on_behalf_reason = forms.CharField(
        label=_("Lý do làm thay xã"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, on_behalf: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.acts_for_commune = on_behalf
        if not on_behalf:
            del self.fields["on_behalf"], self.fields["on_behalf_reason"]

    def clean(self):
        cleaned = super().clean()
        if self.acts_for_commune and not (
            cleaned.get("on_behalf") and cleaned.get("on_behalf_reason", "").strip()
        ):
            self.add_error(
                "on_behalf_reason",
                _("Cán bộ huyện làm thay xã phải chọn “Thay mặt xã” và ghi lý do."),
            )
        return cleaned

    @property
    def reason(self) -> str:
        return self.cleaned_data.get("on_behalf_reason", "").strip() if self.acts_for_commune else ""


class OwnersForm(forms.Form):
    """Which department owns each criterion of a set in one unit, and the indicators
    that another department owns. Fields `c<criterion pk>` and `i<indicator pk>`."""

    SAME = ""

    def __init__(self, *args, criteria, departments, ownership, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {str(d.pk): d for d in departments}
        choices = [(pk, d.name) for pk, d in self.departments.items()]
        self.rows = []
        for criterion in criteria:
            owner = ownership.of_criterion(criterion)
            name = f"c{criterion.pk}"
            self.fields[name] = forms.ChoiceField(
                label=str(criterion),
                required=False,
                choices=[(self.SAME, _("— Chưa phân công —"))] + choices,
                initial=str(owner.pk) if owner else self.SAME,
            )
            indicator_fields = []
            for indicator in criterion.indicators.all():
                own = ownership.indicators.get(indicator.pk)
                field_name = f"i{indicator.pk}"
                self.fields[field_name] = forms.ChoiceField(
                    label=f"{indicator.code} {indicator.text[:80]}",
                    required=False,
                    choices=[(self.SAME, _("— Như tiêu chí —"))] + choices,
                    initial=str(own.pk) if own else self.SAME,
                )
                indicator_fields.append(self[field_name])
            self.rows.append((self[name], indicator_fields))

    def assignments(self) -> tuple[dict, dict]:
        """({criterion pk: department or None}, {indicator pk: department or None})."""
        criteria, indicators = {}, {}
        for name, value in self.cleaned_data.items():
            target = criteria if name.startswith("c") else indicators
            target[int(name[1:])] = self.departments.get(value)
        return criteria, indicators


class VerificationFilterForm(forms.Form):
    commune = forms.ModelChoiceField(
        label=_("Xã"), queryset=None, to_field_name="code", required=False, empty_label=_("— Tất cả —")
    )
    set = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"),
        queryset=CriteriaSet.objects.order_by("-period", "code"),
        to_field_name="code",
        required=False,
        empty_label=_("— Tất cả —"),
    )
    year = forms.IntegerField(label=_("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes.order_by("search_name", "name")

    def filter(self, scores):
        data = self.cleaned_data
        if data.get("commune"):
            scores = scores.filter(commune=data["commune"])
        if data.get("set"):
            scores = scores.filter(indicator__criterion__criteria_set=data["set"])
        if data.get("year"):
            scores = scores.filter(year=data["year"])
        return scores


class ImportConfirmForm(forms.Form):
    """Confirming a preview: the upload it kept."""

    upload = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
