"""The account: its public profile, and the learner's own data (export it as JSON or CSV,
import an export back, delete the account).

Every view here acts on the signed-in user only, so there is nothing to look up and no
one else's data to leak.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from .. import mail
from ..http import AuthenticatedHttpRequest, refuse_changed_resend
from . import export, importing, services
from .forms import AccountDeleteForm, AccountImportForm, ProfileForm
from .models import MailKind, User
from .schema import ImportRefused
from .submissions import AlreadySubmitted


def _attachment(response: HttpResponse, extension: str) -> HttpResponse:
    today = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="gradient-export-{today}.{extension}"'
    return response


@require_safe
@login_required
def export_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everything the user owns, in the format the import page reads back."""
    data = export.build_export(request.user, absolute_url=request.build_absolute_uri)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return _attachment(response, "json")


@require_safe
@login_required
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A row per published skill with the user's status, for a spreadsheet."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Cache-Control"] = "no-store"
    csv.writer(response).writerows(export.progress_csv_rows(request.user))
    return _attachment(response, "csv")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache  # the form carries a one-time key
def import_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = AccountImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            report = importing.account_import(
                user=request.user,
                data=form.cleaned_data["file"],
                once=form.one_time_key(),
            )
        except ImportRefused as refused:
            form.add_error("file", refused.messages)
        except AlreadySubmitted as repeat:  # a double click: imported once
            if not repeat.same:
                return refuse_changed_resend(request)
            messages.info(request, "That file was already imported.")
            return HttpResponseRedirect(reverse("tracker:dashboard"))
        else:
            messages.success(request, report.summary())
            for warning in report.warnings():
                messages.warning(request, warning)
            return HttpResponseRedirect(reverse("tracker:dashboard"))
    context = {"form": form, "max_mb": importing.MAX_IMPORT_BYTES // 1024 // 1024}
    return render(request, "account/import.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    form = AccountDeleteForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=user)
        logout(request)
        messages.success(request, "Your account and everything in it have been deleted.")
        return HttpResponseRedirect(reverse("catalog:index"))
    context = {"form": form, "contents": services.account_contents(user)}
    return render(request, "account/delete.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(form=form)
        messages.success(request, "Profile saved.")
        return HttpResponseRedirect(reverse("tracker:profile"))
    return render(request, "account/profile_form.html", {"form": form})


@csrf_exempt  # RFC 8058: mail programs POST the one click with no cookie, hence no token;
# the signed token in the address is the proof, and all it can do is stop or restart mail.
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One kind of mail stopped for one recipient, by the link every mail carries.

    GET asks to confirm (a link checker or a mail scanner opening it must not unsubscribe
    anyone); POST stops it at once, whether from the confirm page or as RFC 8058's
    one-click `List-Unsubscribe=One-Click`; `action=resubscribe` undoes it.
    """
    who = mail.subscriber(token)
    if who is None:
        return render(request, "account/unsubscribe.html", {"invalid": True}, status=404)
    context = {"what": MailKind(who.kind).label, "invalid": False, "done": False}
    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") == "One-Click":
            mail.opt_out(who)
            context["done"] = "stopped"
        elif request.POST.get("action") == "resubscribe":
            mail.opt_in(who)
            context["done"] = "restarted"
        else:
            return render(request, "400.html", {"message": "Stop the mail, or not?"}, status=400)
    context["stopped"] = mail.opted_out(who.kind, user=who.user, email=who.email)
    return render(request, "account/unsubscribe.html", context)
