from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render

from .access import access_for


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
    return render(request, "communes/commune_list.html", {"page": page, "query": query})
