"""Existing companies get DOMAIN.md's keyword table for the categories they already have (matched
by code); no category is added to them. New companies get it from the admin's setup hook."""

from django.db import migrations


def seed(apps, schema_editor):
    from desk.suggest import DEFAULT_KEYWORDS

    Company = apps.get_model("core", "Company")
    Category = apps.get_model("desk", "Category")
    IntakeKeyword = apps.get_model("desk", "IntakeKeyword")
    for company in Company.objects.all():
        if IntakeKeyword.objects.filter(company=company).exists():
            continue
        codes = {c.code: c for c in Category.objects.filter(company=company, active=True)}
        rows = []
        for said, kind, code, weight in DEFAULT_KEYWORDS:
            if code and code not in codes:
                continue
            for keyword in said.split():
                rows.append(
                    IntakeKeyword(company=company, keyword=keyword, kind=kind, category=codes.get(code), weight=weight)
                )
        IntakeKeyword.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("desk", "0009_intake_keywords_learning_related_room")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
