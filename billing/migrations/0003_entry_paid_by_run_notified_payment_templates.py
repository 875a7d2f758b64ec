"""Who paid online in the residents' app and the bills they picked; when a run's bills were told
to the residents; and the default texts of "payment_posted" (the short receipt notice a resident
gets when their online payment lands). "bill_issued" was seeded by core 0008; administrators edit
both in the admin (core.NotificationTemplate)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# event: (zh subject, zh body, en subject, en body); the same text serves in-app, SMS, email, WeChat.
DEFAULTS = {
    "payment_posted": (
        "缴费成功",
        "{{ room }} 已缴费 {{ amount }} 元，收据号 {{ number }}。谢谢！",
        "Payment received",
        "{{ room }}: {{ amount }} yuan received, receipt {{ number }}. Thank you!",
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

    dependencies = [
        ('billing', '0002_run_resume_line_periodic_entry_rest'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('core', '0008_seed_notification_templates'),
    ]

    operations = [
        migrations.AddField(
            model_name='billingrun',
            name='notified_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='entry',
            name='bill_ids',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='entry',
            name='paid_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='线上缴费人'),
        ),
        migrations.RunPython(seed, unseed),
]
