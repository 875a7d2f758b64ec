from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceErrorsMixin
from webhooks.choices import Event
from webhooks.models import Endpoint


class EndpointForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=Endpoint._meta.get_field("name").max_length)
    url = forms.CharField(
        label=_("接收地址"),
        max_length=Endpoint._meta.get_field("url").max_length,
        help_text=_("对方系统接收 POST 的 https:// 地址；不允许内网、本机或保留地址。"),
    )
    events = forms.MultipleChoiceField(label=_("订阅事件"), choices=Event.choices, widget=forms.CheckboxSelectMultiple)
