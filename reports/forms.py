import datetime

from django import forms
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from criteria.models import MAX_YEAR, MIN_YEAR, CriteriaSet, Score


class StandingFilterForm(forms.Form):
    """`?set=CODE&year=YYYY&as_of=YYYY-MM-DD`, shared by the dashboard, the
    scorecard, exports and reports. Missing or bad values fall back to defaults:
    the newest commune set that has scores, its latest year, and today."""

    set = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"), queryset=CriteriaSet.objects.none(), to_field_name="code", required=False
    )
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
        criteria_set = cleaned.get("set") or self.fields["set"].queryset.first()
        year = cleaned.get("year")
        if year is None:
            latest = None
            if criteria_set is not None:
                latest = Score.objects.filter(indicator__criterion__criteria_set=criteria_set).aggregate(
                    latest=Max("year")
                )["latest"]
            year = latest or timezone.localdate().year
        if not self.is_bound:
            # Show what is displayed, not empty boxes.
            self.initial.update(set=criteria_set, year=year)
        return criteria_set, year, cleaned.get("as_of")
