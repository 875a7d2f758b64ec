from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImporterConfig(AppConfig):
    name = "importer"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("导入导出")

    def ready(self):
        from core.questions import register
        from importer import exports, services

        register("importer.import", services.may_import)
        register("importer.export_requests", exports.may_export_requests)
        register("importer.export_estate", services.may_import)
        from core.privacy import register_retention
        from importer.retention import purge_staging

        # The staged rows and the uploaded file are copies of residents' personal data: they are
        # cleared after the company's retention period; the session and its counts stay.
        register_retention("import_staging", _("导入暂存数据"), purge=purge_staging)
