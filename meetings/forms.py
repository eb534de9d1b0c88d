import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Department, District, Membership
from criteria.models import MAX_YEAR, MIN_YEAR, CriteriaSet

from .models import Meeting, Task, unit_communes, unit_departments, unit_filter

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "size": 10}, format="%d/%m/%Y")
EARLIEST = datetime.date(MIN_YEAR, 1, 1)


def unit_key(unit) -> str:
    return f"{'district' if isinstance(unit, District) else 'province'}:{unit.pk}"


def owner_key(owner) -> str:
    return f"{'department' if isinstance(owner, Department) else 'commune'}:{owner.pk}" if owner else ""


class OwnerField(forms.ChoiceField):
    """One list of the departments and communes that may own a task: "department:7", "commune:3"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {}

    def set_owners(self, departments, communes):
        departments, communes = list(departments), list(communes)
        self.owners = {owner_key(owner): owner for owner in [*departments, *communes]}
        self.choices = [
            ("", "—"),
            (_("Phòng, ban, sở, ngành"), [(owner_key(d), d.name) for d in departments]),
            (_("Xã"), [(owner_key(c), c.name) for c in communes]),
        ]

    def clean(self, value):
        value = super().clean(value)
        return self.owners.get(value) if value else None


class TaskFieldsMixin:
    """Owner, person and deadline, checked together."""

    def setup_owner(self, unit):
        self.fields["owner"].set_owners(unit_departments(unit), unit_communes(unit))
        User = get_user_model()
        members = Membership.objects.filter(
            Q(department__in=unit_departments(unit))
            | Q(commune__in=Commune.objects.filter(unit_filter(unit)))
        )
        self.fields["assignee"].queryset = User.objects.filter(
            pk__in=members.values("user"), is_active=True
        ).order_by("first_name", "username")
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.username

    def check_assignee(self, owner, assignee):
        if owner is None or assignee is None:
            return
        unit = {"department": owner} if isinstance(owner, Department) else {"commune": owner}
        if not Membership.objects.filter(user=assignee, **unit).exists():
            self.add_error("assignee", _("Người thực hiện phải thuộc đơn vị thực hiện."))


class TaskForm(TaskFieldsMixin, forms.ModelForm):
    owner = OwnerField(label=_("Đơn vị thực hiện"))

    class Meta:
        model = Task
        fields = ["title", "description", "owner", "assignee", "deadline"]
        widgets = {"deadline": DATE_WIDGET, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_owner(unit)
        self.fields["assignee"].required = False
        if self.instance.pk:
            self.initial["owner"] = owner_key(self.instance.owner)

    def clean(self):
        cleaned = super().clean()
        self.check_assignee(cleaned.get("owner"), cleaned.get("assignee"))
        return cleaned


class MeetingForm(forms.ModelForm):
    unit = forms.ChoiceField(label=_("Ban Chỉ đạo"))

    class Meta:
        model = Meeting
        fields = [
            "unit",
            "held_on",
            "title",
            "chair",
            "criteria_set",
            "year",
            "attending_departments",
            "attending_communes",
            "attendees",
            "agenda",
            "minutes",
            "snapshots",
        ]
        widgets = {
            "held_on": DATE_WIDGET,
            "attending_departments": forms.CheckboxSelectMultiple,
            "attending_communes": forms.CheckboxSelectMultiple,
            "snapshots": forms.CheckboxSelectMultiple,
            "attendees": forms.Textarea(attrs={"rows": 3}),
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, units, snapshots, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {unit_key(unit): unit for unit in units}
        self.fields["unit"].choices = [(key, str(unit)) for key, unit in self.units.items()]
        if self.instance.pk:
            # A meeting stays with the committee that held it.
            self.fields["unit"].disabled = True
            self.initial["unit"] = unit_key(self.instance.unit)
        elif len(self.units) == 1:
            self.fields["unit"].widget = forms.HiddenInput()
            self.initial["unit"] = next(iter(self.units))
        self.fields["criteria_set"].queryset = CriteriaSet.objects.filter(level=CriteriaSet.Level.COMMUNE)
        self.fields["year"].min_value = MIN_YEAR
        unit_list = list(self.units.values()) or [self.instance.unit]
        self.fields["attending_departments"].queryset = Department.objects.filter(
            _any_unit(unit_list, departments=True)
        ).order_by("level", "name")
        self.fields["attending_communes"].queryset = Commune.objects.filter(_any_unit(unit_list)).order_by(
            "search_name", "name"
        )
        self.fields["snapshots"].queryset = snapshots
        self.fields["snapshots"].required = False
        self.fields["snapshots"].label_from_instance = lambda s: f"{s.number} — {s.title}"

    def clean_unit(self):
        if self.instance.pk:
            return self.instance.unit
        return self.units.get(self.cleaned_data["unit"])

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if not EARLIEST <= day <= timezone.localdate() + datetime.timedelta(days=366):
            raise forms.ValidationError(_("Ngày họp không hợp lệ."))
        return day

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise forms.ValidationError(_("Năm không hợp lệ."))
        return year

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        if unit is None:
            return cleaned
        for name, model, departments, message in (
            ("attending_departments", Department, True, _("Chỉ chọn phòng, ban, sở, ngành của đơn vị họp.")),
            ("attending_communes", Commune, False, _("Chỉ chọn các xã của đơn vị họp.")),
        ):
            chosen = {obj.pk for obj in cleaned.get(name) or []}
            allowed = model.objects.filter(unit_filter(unit, departments=departments), pk__in=chosen)
            if chosen and allowed.count() != len(chosen):
                self.add_error(name, message)
        return cleaned

    def save(self, commit=True):
        if not self.instance.pk:
            self.instance.unit = self.cleaned_data["unit"]
        return super().save(commit)


def _any_unit(units, *, departments=False) -> Q:
    q = Q(pk__in=[])
    for unit in units:
        q |= unit_filter(unit, departments=departments)
    return q


class ConclusionForm(TaskFieldsMixin, forms.Form):
    """A conclusion, and the task that carries it out when an owner is named."""

    text = forms.CharField(label=_("Nội dung kết luận"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = OwnerField(label=_("Đơn vị thực hiện"), required=False)
    assignee = forms.ModelChoiceField(label=_("Người thực hiện"), queryset=None, required=False)
    deadline = forms.DateField(label=_("Hạn hoàn thành"), required=False, widget=DATE_WIDGET)
    commune = forms.ModelChoiceField(
        label=_("Về xã"), queryset=None, required=False, help_text=_("Xã mà việc này liên quan (nếu có).")
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_owner(meeting.unit)
        self.fields["commune"].queryset = unit_communes(meeting.unit, meeting.held_on)

    def clean(self):
        cleaned = super().clean()
        owner, deadline = cleaned.get("owner"), cleaned.get("deadline")
        if owner is not None and deadline is None and "deadline" not in self.errors:
            self.add_error("deadline", _("Giao việc thì phải có hạn hoàn thành."))
        if owner is None and (deadline or cleaned.get("assignee")):
            self.add_error("owner", _("Hãy chọn đơn vị thực hiện."))
        self.check_assignee(owner, cleaned.get("assignee"))
        return cleaned

    def task(self) -> dict | None:
        """The keyword arguments of services.create_task, or None without an owner."""
        data = self.cleaned_data
        if data["owner"] is None:
            return None
        commune = data["commune"] or (data["owner"] if isinstance(data["owner"], Commune) else None)
        return {
            "title": data["text"][:300],
            "owner": data["owner"],
            "assignee": data["assignee"],
            "deadline": data["deadline"],
            "commune": commune,
        }


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("Tiến độ"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Kết quả thực hiện"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(
        label=_("Tệp minh chứng (không bắt buộc)"),
        required=False,
        help_text=_("PDF, ảnh JPEG/PNG, Word hoặc Excel."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Lý do mở lại"), widget=forms.Textarea(attrs={"rows": 2}))


class TaskFilterForm(forms.Form):
    STATES = [
        ("open", _("Chưa xong")),
        (Task.OVERDUE, Task.OVERDUE_LABEL),
        *Task.Status.choices,
        ("all", _("Tất cả")),
    ]

    state = forms.ChoiceField(label=_("Trạng thái"), choices=STATES, required=False)
    mine = forms.BooleanField(label=_("Chỉ việc của tôi"), required=False)

    def __init__(self, data=None):
        super().__init__(data or None)

    def resolve(self) -> dict:
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            return {"state": data["state"] or "open", "mine": data["mine"]}
        return {"state": "open", "mine": False}


class BriefDateForm(forms.Form):
    on = forms.DateField(
        label=_("Tính đến ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=DATE_WIDGET,
    )

    def __init__(self, data=None, *, meeting):
        super().__init__(data or None)
        self.meeting = meeting

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("Ngày không thể sau hôm nay."))
        if day and day < self.meeting.held_on:
            raise forms.ValidationError(_("Ngày không thể trước ngày họp."))
        return day

    def resolve(self, default: datetime.date) -> datetime.date:
        if self.is_bound and self.is_valid() and self.cleaned_data["on"]:
            return self.cleaned_data["on"]
        return default
