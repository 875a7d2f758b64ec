"""A staged import (upload → map columns → validate every row → fix or skip → commit) and the
column mapping each company used last time, per kind."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Company, Project, User
from importer.choices import STATUS_COLOURS, ImportKind, SessionStatus


class ImportSession(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("公司"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="import_sessions", verbose_name=_("项目")
    )
    kind = models.CharField(_("导入类型"), max_length=20, choices=ImportKind.choices)
    status = models.PositiveSmallIntegerField(_("状态"), choices=SessionStatus.choices, default=SessionStatus.MAPPING)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_format = models.CharField(_("格式"), max_length=10)  # xlsx | csv
    file_size = models.PositiveIntegerField(_("文件大小"), default=0)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("表头行"), default=1)
    headers = models.JSONField(_("表头"), default=list)
    mapping = models.JSONField(_("列匹配"), default=dict, help_text=_("字段 → 列序号（从0起）"))
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="import_sessions", verbose_name=_("导入人")
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    error_rows = models.PositiveIntegerField(_("有错误"), default=0)
    skipped_rows = models.PositiveIntegerField(_("已跳过"), default=0)
    empty_rows = models.PositiveIntegerField(_("空行"), default=0)
    imported_rows = models.PositiveIntegerField(_("已导入"), default=0)
    created_counts = models.JSONField(_("新建数量"), default=dict)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(_("说明"), blank=True)
    purged_at = models.DateTimeField(_("个人信息清除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at", "-id"], name="import_session_recent")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"

    @property
    def colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def running(self) -> bool:
        from importer.choices import RUNNING

        return self.status in RUNNING

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def ready_rows(self) -> int:
        return max(0, self.total_rows - self.error_rows - self.skipped_rows)


class ImportRow(models.Model):
    """One data row of the file: the cleaned values by field, the errors by field, skipped or not.
    Written with COPY (importer.bulk.fast_insert): a new NOT NULL column must be added there too."""

    session = models.ForeignKey(
        ImportSession, on_delete=models.CASCADE, related_name="rows", verbose_name=_("导入批次")
    )
    number = models.PositiveIntegerField(_("行号"))  # the row number the spreadsheet shows
    data = models.JSONField(_("数据"), default=dict)
    errors = models.JSONField(_("错误"), default=dict)
    has_errors = models.BooleanField(_("有错误"), default=False)
    skipped = models.BooleanField(_("跳过"), default=False)
    key = models.CharField(max_length=200, blank=True)  # what makes a row a duplicate inside the file
    edited = models.BooleanField(_("已修改"), default=False)

    class Meta:
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")
        ordering = ["session_id", "number"]
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="import_row_unique")]
        indexes = [
            models.Index(fields=["session", "key"], name="import_row_key"),
            models.Index(fields=["session", "number"], name="import_row_errors", condition=models.Q(has_errors=True)),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class ColumnMapping(models.Model):
    """The last mapping a company confirmed for a kind: header text → field, offered next time."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("公司"))
    kind = models.CharField(_("导入类型"), max_length=20, choices=ImportKind.choices)
    columns = models.JSONField(_("列匹配"), default=dict)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("修改人")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("列匹配记忆")
        verbose_name_plural = _("列匹配记忆")
        constraints = [models.UniqueConstraint(fields=["company", "kind"], name="column_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.company} · {self.get_kind_display()}"
