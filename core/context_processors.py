from core.models import Notification


def unread(request):
    """The unread count in the top bar: one indexed count over the partial index of unread rows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_resident:
        return {}
    return {"unread_count": Notification.objects.filter(user=user, read_at__isnull=True).count()}
