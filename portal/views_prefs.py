"""A resident's own notification choices (/my/settings/notices/): which way each kind of news
reaches them, and quiet hours. The choices are core's (core.NotificationProfile, read by
core.notify.notify_event); this page only shows them in residents' words."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.notify import channels, notification_profile_update, preferred_channels
from core.pages import run_service
from portal.views import resident_page

# What a resident hears about, in their words (the events of core.notify and the apps' notices).
EVENTS = [
    ("request_dispatched", gettext_lazy("报修已安排师傅")),
    ("request_on_the_way", gettext_lazy("师傅出发上门")),
    ("request_resolved", gettext_lazy("报修处理完成")),
    ("parcel_arrived", gettext_lazy("快递到了")),
    ("visitor_at_gate", gettext_lazy("访客到门口")),
    ("bill_issued", gettext_lazy("新账单")),
    ("payment_posted", gettext_lazy("缴费成功")),
    ("announcement_published", gettext_lazy("新公告")),
]
CHANNEL_WORDS = {
    "inapp": gettext_lazy("App 内消息"),
    "sms": gettext_lazy("短信"),
    "wechat": gettext_lazy("微信"),
    "email": gettext_lazy("邮件"),
}


def usable_channels(user) -> list[str]:
    """In-app, and each outside channel the company uses that can reach this person."""
    out = ["inapp"]
    for name, channel in sorted(channels().items()):
        if name in CHANNEL_WORDS and name != "inapp" and channel.address(user):
            out.append(name)
    return out


class PrefsForm(forms.Form):
    quiet_start = forms.TimeField(
        label=gettext_lazy("免打扰开始"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("免打扰结束"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, user, usable, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for event, words in EVENTS:
            wanted = preferred_channels(user, event)
            name = f"ev_{event}"
            self.fields[name] = forms.MultipleChoiceField(
                label=words,
                required=False,
                choices=[(c, CHANNEL_WORDS[c]) for c in usable],
                widget=forms.CheckboxSelectMultiple,
                initial=[c for c in usable if c in wanted],
            )
            self.rows.append(name)

    def event_fields(self):
        return [self[name] for name in self.rows]


@resident_page
def notice_settings(request):
    from core.notify import _profile

    user = request.user
    usable = usable_channels(user)
    profile = _profile(user)
    initial = {"quiet_start": getattr(profile, "quiet_start", None), "quiet_end": getattr(profile, "quiet_end", None)}
    form = PrefsForm(request.POST or None, user=user, usable=usable, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = {}
        for event, _words in EVENTS:
            # channels this page cannot offer (no address yet) keep what was chosen before
            kept = preferred_channels(user, event) - set(usable)
            chosen[event] = sorted(set(d[f"ev_{event}"]) | kept)
        done = run_service(
            request,
            lambda: notification_profile_update(
                actor=user, channels=chosen, quiet_start=d["quiet_start"], quiet_end=d["quiet_end"]
            ),
            form=form,
            success=_("已保存。"),
        )
        if done.ok:
            return redirect("portal:notice-settings")
    return render(
        request,
        "portal/notice_settings.html",
        {"form": form, "only_inapp": usable == ["inapp"]},
        status=400 if form.errors else 200,
    )
