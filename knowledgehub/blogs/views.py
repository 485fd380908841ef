from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from knowledgehub.knowledge.visibility import can_view
from knowledgehub.people.models import User

from .forms import PostForm
from .models import Post
from .services import post_create


@require_safe
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(
        Post.objects.select_related("author", "community").prefetch_related("tags"), pk=pk
    )
    item = post.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    return render(request, "blogs/detail.html", {"post": post, "item": item})


@login_required
@require_http_methods(["GET", "POST"])
def post_create_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    initial = {}
    if request.GET.get("community"):
        initial["community"] = request.GET["community"]
    form = PostForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        post = post_create(author=user, **form.cleaned_data)
        messages.success(request, _("Your post has been published."))
        return redirect(post)
    return render(request, "blogs/create.html", {"form": form})
