from django import forms
from django.utils.translation import gettext_lazy as _

from community.choices import Audience
from community.models import Activity, Announcement, Feedback, VisitGroup
from community.services import ActivityData, NoticeData, PhraseData, VisitData
from core.choices import Role
from core.forms import ServiceErrorsMixin
from core.models import Project, User
from core.phone import mask_phone
from core.text import text_limit
from desk.models import Phrase
from estate.models import Building
from estate.selectors import rooms_from_list


def _dt(**kw):
    return forms.DateTimeInput(attrs={"type": "datetime-local", **kw}, format="%Y-%m-%dT%H:%M")


class AnnouncementForm(ServiceErrorsMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(
        label=_("正文"), max_length=text_limit(Announcement, "body"), widget=forms.Textarea(attrs={"rows": 10})
    )
    audience = forms.ChoiceField(
        label=_("发布范围"), choices=Audience.choices, initial=Audience.PROJECT, widget=forms.RadioSelect
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("楼栋"), queryset=Building.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    room_codes = forms.CharField(
        label=_("房号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("一行或用逗号、空格分隔多个，如 3-2-1502, 3-2-1501"),
    )

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "project": instance.project_id,
                    "title": instance.title,
                    "body": instance.body,
                    "audience": instance.audience,
                    "buildings": list(instance.buildings.values_list("pk", flat=True)),
                    "room_codes": ", ".join(instance.rooms.order_by("code").values_list("code", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        projects = Project.objects.filter(pk__in=user.project_ids())
        self.fields["project"].queryset = projects
        self.fields["buildings"].queryset = Building.objects.filter(project__in=projects).select_related("project")
        self.fields["buildings"].label_from_instance = lambda b: f"{b.project.name} · {b}"
        if instance is not None:
            self.fields["project"].disabled = True

    def clean(self):
        data = super().clean()
        project = data.get("project")
        self.room_ids = []
        if project and data.get("audience") == Audience.ROOMS:
            self.room_ids, missing = rooms_from_list(project, data.get("room_codes"))
            if missing:
                self.add_error("room_codes", _("这个项目没有这些房号：%(codes)s") % {"codes": "、".join(missing)})
            elif not self.room_ids:
                self.add_error("room_codes", _("请至少填写一个房号。"))
        return data

    def notice(self) -> NoticeData:
        d = self.cleaned_data
        return NoticeData(
            project_id=d["project"].pk,
            title=d["title"],
            body=d["body"],
            audience=d["audience"],
            building_ids=[b.pk for b in d["buildings"]] if d["audience"] == Audience.BUILDINGS else [],
            room_ids=self.room_ids,
        )


class ScheduleForm(ServiceErrorsMixin, forms.Form):
    publish_at = forms.DateTimeField(label=_("发布时间"), widget=_dt())
    expire_at = forms.DateTimeField(label=_("截止时间"), required=False, widget=_dt(), help_text=_("可不填"))


class PublishForm(ServiceErrorsMixin, forms.Form):
    expire_at = forms.DateTimeField(label=_("截止时间"), required=False, widget=_dt(), help_text=_("可不填"))


class ReasonForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=text_limit(Announcement, "withdraw_reason"))


class ActivityForm(ServiceErrorsMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    title = forms.CharField(label=_("活动名称"), max_length=120)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=_dt())
    ends_at = forms.DateTimeField(label=_("结束时间"), required=False, widget=_dt())
    place = forms.CharField(label=_("地点"), max_length=120)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=10000)
    signup_deadline = forms.DateTimeField(label=_("报名截止"), widget=_dt())
    waitlist = forms.BooleanField(label=_("满员后可候补"), required=False, initial=True)
    description = forms.CharField(
        label=_("活动介绍"),
        max_length=text_limit(Activity, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(pk__in=user.project_ids())

    def activity(self) -> ActivityData:
        d = self.cleaned_data
        return ActivityData(
            project_id=d["project"].pk,
            title=d["title"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            place=d["place"],
            capacity=d["capacity"],
            signup_deadline=d["signup_deadline"],
            waitlist=d["waitlist"],
            description=d["description"],
        )


class OnBehalfForm(ServiceErrorsMixin, forms.Form):
    room_code = forms.CharField(
        label=_("房号"), max_length=60, widget=forms.TextInput(attrs={"placeholder": "3-2-1502"})
    )
    name = forms.CharField(label=_("姓名"), max_length=50, required=False, help_text=_("该户有多位住户时填写"))


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评分"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见"),
        max_length=text_limit(Feedback, "comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data] if data else single(None, initial)
        return [single(data, initial)]


class PhotoForm(ServiceErrorsMixin, forms.Form):
    files = MultipleFileField(label=_("照片"))


class VisitForm(ServiceErrorsMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    organisation = forms.CharField(label=_("来访单位"), max_length=120)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    size = forms.IntegerField(label=_("人数"), min_value=1, max_value=1000)
    visit_at = forms.DateTimeField(label=_("参观时间"), widget=_dt())
    ends_at = forms.DateTimeField(label=_("结束时间"), required=False, widget=_dt())
    route = forms.CharField(
        label=_("参观路线"),
        max_length=text_limit(VisitGroup, "route"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    receivers = forms.ModelMultipleChoiceField(
        label=_("接待人员"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("备注"),
        max_length=text_limit(VisitGroup, "notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "project": instance.project_id,
                    "organisation": instance.organisation,
                    "contact_name": instance.contact_name,
                    "size": instance.size,
                    "visit_at": instance.visit_at,
                    "ends_at": instance.ends_at,
                    "route": instance.route,
                    "receivers": list(instance.receivers.values_list("pk", flat=True)),
                    "notes": instance.notes,
                },
            )
        super().__init__(*args, **kwargs)
        projects = Project.objects.filter(pk__in=user.project_ids())
        self.fields["project"].queryset = projects
        self.fields["receivers"].queryset = (
            User.objects.filter(projects__in=projects, is_active=True)
            .exclude(role=Role.RESIDENT)
            .distinct()
            .order_by("role", "display_name")
        )
        self.instance = instance
        if instance is not None:
            self.fields["project"].disabled = True
            if instance.contact_phone:
                # The full number is only shown through the logged "显示" reveal, never in the form.
                self.fields["contact_phone"].help_text = _("当前 %(phone)s，留空则不修改。") % {
                    "phone": mask_phone(instance.contact_phone)
                }

    def visit(self) -> VisitData:
        d = self.cleaned_data
        return VisitData(
            project_id=d["project"].pk,
            organisation=d["organisation"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"] or (self.instance.contact_phone if self.instance else ""),
            size=d["size"],
            visit_at=d["visit_at"],
            ends_at=d["ends_at"],
            route=d["route"],
            notes=d["notes"],
            receiver_ids=[u.pk for u in d["receivers"]],
        )


class VisitFeedbackForm(ServiceErrorsMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—")] + [(i, str(i)) for i in range(5, 0, -1)],
    )
    feedback = forms.CharField(
        label=_("来访反馈"),
        max_length=text_limit(VisitGroup, "feedback"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PhraseForm(ServiceErrorsMixin, forms.Form):
    situation = forms.ChoiceField(label=_("场景"), choices=Phrase.Situation.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(
        label=_("内容"), max_length=text_limit(Phrase, "body"), widget=forms.Textarea(attrs={"rows": 5})
    )
    keywords = forms.CharField(
        label=_("关键词"), max_length=200, required=False, help_text=_("用空格或逗号分隔，便于搜索，如：漏水 安抚 停水")
    )
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32000, initial=0)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def phrase(self) -> PhraseData:
        d = self.cleaned_data
        return PhraseData(
            situation=d["situation"],
            title=d["title"],
            body=d["body"],
            keywords=d["keywords"],
            order=d["order"] or 0,
            active=d["active"],
        )


class PhraseSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    situation = forms.ChoiceField(
        label=_("场景"), required=False, choices=[("", _("全部场景"))] + list(Phrase.Situation.choices)
    )
