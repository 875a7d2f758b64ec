"""Default texts for the events residents are told about, in Chinese and English; administrators
edit them in the admin (core.NotificationTemplate)."""

from django.db import migrations

# event: (zh subject, zh body, en subject, en body); the same text serves in-app, SMS and email.
DEFAULTS = {
    "request_dispatched": (
        "报修已派单",
        "您的报修 {{ number }} 已派给 {{ department }}，我们会尽快处理。",
        "Request dispatched",
        "Your request {{ number }} has been passed to {{ department }}; we will handle it soon.",
    ),
    "request_on_the_way": (
        "师傅已出发",
        "您的报修 {{ number }}：{{ worker }} 已出发，请留意来电。",
        "On the way",
        "Your request {{ number }}: {{ worker }} is on the way; please keep your phone at hand.",
    ),
    "request_resolved": (
        "报修已处理",
        "您的报修 {{ number }} 已处理完成，欢迎评价。",
        "Request resolved",
        "Your request {{ number }} has been resolved; we would welcome your rating.",
    ),
    "parcel_arrived": (
        "快递已到",
        "{{ room }} 的快递（{{ carrier }}）已到服务中心，取件码 {{ code }}。",
        "Parcel arrived",
        "A parcel ({{ carrier }}) for {{ room }} is at the service centre; pick-up code {{ code }}.",
    ),
    "bill_issued": (
        "账单已出",
        "{{ room }} {{ period }} 账单已出，金额 {{ amount }} 元。",
        "Bill issued",
        "The {{ period }} bill for {{ room }} is issued: {{ amount }} yuan.",
    ),
    "visitor_at_gate": (
        "访客到访",
        "访客 {{ visitor }} 已到 {{ gate }}，来访 {{ room }}。",
        "Visitor at the gate",
        "Visitor {{ visitor }} is at {{ gate }} for {{ room }}.",
    ),
}
CHANNELS = ("inapp", "sms", "email", "wechat")


def seed(apps, schema_editor):
    Template = apps.get_model("core", "NotificationTemplate")
    rows = []
    for event, (zh_subject, zh_body, en_subject, en_body) in DEFAULTS.items():
        for channel in CHANNELS:
            rows.append(Template(event=event, channel=channel, language="zh-hans", subject=zh_subject, body=zh_body))
            rows.append(Template(event=event, channel=channel, language="en", subject=en_subject, body=en_body))
    Template.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("core", "NotificationTemplate").objects.filter(event__in=list(DEFAULTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0007_notification_templates_preferences")]
    operations = [migrations.RunPython(seed, unseed)]
