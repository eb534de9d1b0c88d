from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .access import access_for, can_merge_communes, merger_communes_for_user
from .forms import MergerForm
from .services import merge_communes


@login_required
def commune_list(request):
    """The communes the user may see, searchable without diacritics."""
    query = request.GET.get("q", "").strip()
    communes = (
        access_for(request.user)
        .visible_communes()
        .search(query)
        .select_related("district", "province")
        .annotate(village_count=Count("villages"))
        .order_by("search_name", "name")
    )
    page = Paginator(communes, 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "can_merge": can_merge_communes(request.user)}
    return render(request, "communes/commune_list.html", context)


@login_required
def commune_merge(request):
    """Coordinators record a merger of communes they coordinate (sáp nhập xã)."""
    communes = merger_communes_for_user(request.user)
    form = MergerForm(request.POST or None, communes=communes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commune = merge_communes(
                into_code=data["into_code"],
                from_codes=[c.code for c in data["predecessors"]],
                on=data["on"],
                name=data["name"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Đã sáp nhập %(count)d xã vào xã %(name)s.")
                % {"count": len(data["predecessors"]), "name": commune.name},
            )
            return redirect(commune)
    return render(request, "communes/commune_merge.html", {"form": form})
