"""A staff member's own settings: for now the interface language (core/language.py), chosen on
the preferences page or with the navbar's switch."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from core.audit import audit_record
from core.language import LANGUAGE_CODES, company_language, language_for
from core.models import User
from core.redirects import safe_next


@transaction.atomic
def preferences_update(*, actor: User, language: str) -> bool:
    """Set the actor's interface language ('' = the company's default). True when it changed."""
    if language and language not in LANGUAGE_CODES:
        raise ValidationError({"language": [_("不支持这种语言。")]})
    if language == actor.language:
        return False
    before = actor.language
    User.objects.filter(pk=actor.pk).update(language=language)
    actor.language = language
    audit_record(actor=actor, obj=actor, action="preferences", changes={"language": [before, language]})
    return True


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_lazy("界面语言"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        default = dict(settings.LANGUAGES).get(company_language(user.company_id) or settings.LANGUAGE_CODE, "")
        self.fields["language"].choices = [
            ("", _("跟随公司默认（%(language)s）") % {"language": default}),
            *[(code, label) for code, label in settings.LANGUAGES],
        ]


@login_required
def preferences(request):
    user = request.user
    form = PreferencesForm(request.POST or None, user=user, initial={"language": user.language})
    if request.method == "POST" and form.is_valid():
        try:
            preferences_update(actor=user, language=form.cleaned_data["language"])
        except ValidationError as exc:
            form.add_error("language", exc.message_dict.get("language", exc.messages))
        else:
            translation.activate(language_for(user) or settings.LANGUAGE_CODE)
            messages.success(request, _("已保存。"))
            response = redirect(safe_next(request, reverse("preferences")))
            _remember(response, user.language)
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "core/preferences.html", {"form": form}, status=status)


@require_POST
def set_language(request):
    """The navbar's switch: Django's own view (the cookie, the redirect), and for a signed-in user
    the choice is kept on their account, so it follows them to any browser."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in LANGUAGE_CODES:
        preferences_update(actor=request.user, language=language)
    return response


def _remember(response, language: str) -> None:
    """The cookie follows the account's choice (the sign-in page then speaks it too)."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
