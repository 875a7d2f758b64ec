from datetime import date

from django.urls import path, register_converter

from quality import views


class DayConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError (e.g. 2026-02-30): no match, 404

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


class MonthConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> date:
        year, month = value.split("-")
        return date(int(year), int(month), 1)

    def to_url(self, value) -> str:
        return f"{value:%Y-%m}" if isinstance(value, date) else str(value)


register_converter(DayConverter, "quality_day")
register_converter(MonthConverter, "quality_month")

app_name = "quality"
urlpatterns = [
    path("closeout/", views.closeout_pick, name="closeout"),
    path("closeout/<int:project_id>/<quality_day:day>/", views.closeout_day, name="closeout-day"),
    path("closeout/<int:project_id>/<quality_day:day>.pdf", views.closeout_pdf, name="closeout-pdf"),
    path("review/", views.review_pick, name="review"),
    path("review/<int:project_id>/", views.review_project, name="review-project"),
    path("review/<int:project_id>/<quality_month:month>/", views.review_month, name="review-month"),
]
