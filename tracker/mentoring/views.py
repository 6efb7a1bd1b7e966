"""The learner's side of mentoring: invite links, mentors, consent, replies to feedback."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ..account.submissions import AlreadySubmitted
from ..http import AuthenticatedHttpRequest, HtmxHttpRequest, redirect_back, refuse_changed_resend
from ..templating import at
from . import services
from .forms import FeedbackForm, InviteDecisionForm, InviteForm, InviteSendForm, SharingForm
from .models import Feedback, Invite, Mentorship


@require_safe
@login_required
@never_cache  # its invite form carries a one-time key
def mentors_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    learner = request.user
    mentorships = list(Mentorship.objects.filter(learner=learner).select_related("mentor"))
    invites = [
        (invite, request.build_absolute_uri(_invite_path(invite)))
        for invite in Invite.objects.filter(
            learner=learner, used_at__isnull=True, revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
    ]  # fmt: skip
    context = {
        "active": [m for m in mentorships if m.state == Mentorship.State.ACTIVE],
        "past": [m for m in mentorships if m.state == Mentorship.State.REVOKED],
        "invites": invites,
        "nav": "mentors",
        "send_form": InviteSendForm(),
        "invites_per_day": services.INVITES_PER_DAY,
    }
    return render(request, "mentoring/mentors.html", context)


def _invite_path(invite: Invite) -> str:
    return reverse("tracker:invite-accept", args=[services.invite_token(invite)])


@require_POST
@login_required
def invite_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    form.is_valid()  # nothing to refuse but a broken key, which is a 400
    try:
        services.invite_create(learner=request.user, once=form.one_time_key())
    except AlreadySubmitted as repeat:  # a double click: one link
        if not repeat.same:
            return refuse_changed_resend(request)
    else:
        messages.success(
            request,
            "Invite link created. Copy it and send it to your mentor; it works once.",
            extra_tags=at("invites"),
        )
    return HttpResponseRedirect(reverse("tracker:mentors") + "#invites")


@require_POST
@login_required
def invite_send(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mail an invite to a username or an address. The answer is the same whether or
    not it names anyone (services.invite_send)."""
    form = InviteSendForm(request.POST)
    back = reverse("tracker:mentors") + "#invites"
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors["to"])), extra_tags=at("invites"))
        return _see_other(back)
    to = form.cleaned_data["to"]
    try:
        services.invite_send(
            learner=request.user,
            to=to,
            link_for=lambda invite: request.build_absolute_uri(_invite_path(invite)),
            once=form.one_time_key(),
        )
    except services.TooManyInvites:
        messages.error(
            request,
            f"You have sent {services.INVITES_PER_DAY} invitations in the last 24 hours, "
            "the most a day allows. Try again tomorrow, or create a link and send it yourself.",
            extra_tags=at("invites"),
        )
        return _see_other(back)
    except AlreadySubmitted as repeat:  # a double click: one invite, one mail
        if not repeat.same:
            return refuse_changed_resend(request)
    messages.success(
        request,
        f"Invitation sent to “{to}”. If that is a Gradient username or an email address "
        "that takes mail, they get a link to accept or decline; it works once and expires "
        f"in {services.INVITE_DAYS} days. It is listed below until then.",
        extra_tags=at("invites"),
    )
    return _see_other(back)


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@require_POST
@login_required
def invite_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invite = get_object_or_404(
        Invite.objects.select_related("used_by"), pk=pk, learner=request.user
    )
    messages.info(request, services.invite_revoke(invite=invite), extra_tags=at("invites"))
    return HttpResponseRedirect(reverse("tracker:mentors") + "#invites")


@require_http_methods(["GET", "HEAD", "POST"])
def invite_accept(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Whoever holds the link sees who invites them, why, and what they would see. Signed
    in, they accept or decline; signed out, they sign up or log in and come back here."""
    try:
        invite = services.invite_from_token(token)
        if not request.user.is_authenticated:
            services.invite_check(invite, None, timezone.now())
            if request.method == "POST":
                return redirect_to_login(request.get_full_path())
            here = quote(request.path)
            return render(
                request,
                "mentoring/invite_welcome.html",
                {"invite": invite, "next": here},
            )
        user = request.user
        already = services.invite_check(invite, user, timezone.now())
    except services.InviteError as e:
        return render(request, "mentoring/invite_invalid.html", {"message": str(e)}, status=410)
    mentee_page = reverse("tracker:mentee", args=[invite.learner.username])
    if already is not None:  # accepted a moment ago: nothing more to decide
        return HttpResponseRedirect(mentee_page)
    if request.method == "GET":
        return render(request, "mentoring/invite_accept.html", {"invite": invite, "token": token})
    decision = InviteDecisionForm(request.POST)
    if not decision.is_valid():
        return render(request, "400.html", {"message": "Choose Accept or Decline."}, status=400)
    if decision.cleaned_data["decision"] == "decline":
        messages.info(request, "Invitation declined. Nothing was shared.")
        return HttpResponseRedirect(reverse("catalog:index"))
    try:
        services.invite_accept(invite=invite, mentor=user)
    except services.InviteError as e:  # used or withdrawn since the check above
        return render(request, "mentoring/invite_invalid.html", {"message": str(e)}, status=410)
    messages.success(request, f"You now mentor {invite.learner.display_name}.")
    return HttpResponseRedirect(mentee_page)


@require_POST
@login_required
def mentorship_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(Mentorship, pk=pk, learner=request.user)
    withdrawn = services.mentorship_revoke(mentorship=mentorship)
    message = f"{mentorship.mentor.display_name} no longer mentors you."
    if withdrawn:
        message += (
            f" Your {withdrawn} open invite link{'s were' if withdrawn != 1 else ' was'} "
            "withdrawn too, since a link could be in anyone's hands: create a new one for "
            "anyone you still want to invite."
        )
    messages.success(request, message)
    return HttpResponseRedirect(reverse("tracker:mentors"))


@require_POST
@login_required
def mentorship_sharing(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(Mentorship.objects.active(), pk=pk, learner=request.user)
    form = SharingForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", {"message": "Share or don't share?"}, status=400)
    share = form.cleaned_data["share_notes"]
    if mentorship.share_notes != share:
        mentorship.share_notes = share
        mentorship.save(update_fields=["share_notes"])
    who = mentorship.mentor.display_name
    messages.success(
        request, f"{who} {'can now read' if share else 'no longer sees'} your notes and links."
    )
    return HttpResponseRedirect(reverse("tracker:mentors"))


@require_POST
@login_required
def feedback_reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Answer in a feedback thread: its learner, or its mentor while still mentoring."""
    user = request.user
    feedback = get_object_or_404(Feedback.objects.select_related("project", "skill"), pk=pk)
    mentorship = (
        Mentorship.objects.active()
        .filter(learner_id=feedback.learner_id, mentor_id=feedback.mentor_id)
        .first()
    )
    if mentorship is None or user.pk not in (feedback.learner_id, feedback.mentor_id):
        raise Http404("No such feedback thread.")
    anchor = f"thread-{feedback.pk}"
    fallback = f"{feedback.target_url}#{anchor}"
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors["body"])), extra_tags=at(anchor))
        return redirect_back(request, fallback)
    try:
        services.feedback_give(
            mentorship=mentorship,
            author=user,
            body=form.cleaned_data["body"],
            project=feedback.project,
            skill_id=feedback.skill_id,
            once=form.one_time_key(),
        )
    except AlreadySubmitted as repeat:  # a double click: one reply
        if not repeat.same:
            return refuse_changed_resend(request)
    else:
        messages.success(request, "Reply sent.", extra_tags=at(anchor))
    return redirect_back(request, fallback)
