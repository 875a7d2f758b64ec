"""The parcel notice says what arrived (a parcel, a letter, important mail), on which shelf, with
its pickup code in the subject, and when important mail will be brought to the door: the texts the
front desk's own in-app notice said before it went through the event templates. Only rows still
holding the first defaults are changed: an administrator's own wording stays."""

from django.db import migrations

OLD = {
    "zh-hans": ("快递已到", "{{ room }} 的快递（{{ carrier }}）已到服务中心，取件码 {{ code }}。"),
    "en": ("Parcel arrived", "A parcel ({{ carrier }}) for {{ room }} is at the service centre; pick-up code {{ code }}."),
}
NEW = {
    "zh-hans": (
        "{% if important %}您有重要邮件{% else %}快递已到{% endif %}，取件码 {{ code }}",
        "{{ room }} 有一件{{ kind }}{% if carrier %}（{{ carrier }}）{% endif %}到了服务中心"
        "{% if shelf %}（{{ shelf }}）{% endif %}，取件码 {{ code }}。"
        "{% if due %}重要邮件将在 {{ due }} 前送达。{% endif %}",
    ),
    "en": (
        "{% if important %}Important mail{% else %}Parcel arrived{% endif %}: pick-up code {{ code }}",
        "{% if carrier %}A parcel ({{ carrier }}){% else %}Post{% endif %} for {{ room }} is at the service centre"
        "{% if shelf %} (shelf {{ shelf }}){% endif %}; pick-up code {{ code }}."
        "{% if due %} Important mail will be brought to you by {{ due }}.{% endif %}",
    ),
}


def swap(texts_from, texts_to):
    def run(apps, schema_editor):
        Template = apps.get_model("core", "NotificationTemplate")
        for language, (subject, body) in texts_from.items():
            Template.objects.filter(event="parcel_arrived", language=language, subject=subject, body=body).update(
                subject=texts_to[language][0], body=texts_to[language][1]
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0010_user_phone_index")]
    operations = [migrations.RunPython(swap(OLD, NEW), swap(NEW, OLD))]
