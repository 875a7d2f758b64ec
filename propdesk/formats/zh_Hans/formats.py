"""Chinese formats with one change: dates are written ISO-first in forms.

Django's zh_Hans formats write a date input as 2026/11/27; a browser's <input type="date"> accepts
only 2026-11-27 and silently drops anything else, so a saved date vanished from every edit form and
was erased on the next save. ISO is an ordinary way to write a date in Chinese too; the slash form is
still accepted when typed."""

from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS as _DJANGO_DATE_INPUT_FORMATS

DATE_INPUT_FORMATS = ["%Y-%m-%d"] + [f for f in _DJANGO_DATE_INPUT_FORMATS if f != "%Y-%m-%d"]
