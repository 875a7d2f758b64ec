"""Django's sign-in backend, reading a signed-in user with their company in the same query: the
company's default language (core/language.py) is needed on every page, and this way it costs no
query of its own."""

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from core.models import User


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("company").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
