from core.models import Notification


def unread(request):
    """The unread count in the top bar (the staff's 通知, the residents' 消息): one indexed count
    over the partial index of unread rows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return {}  # a fragment (lookup results, a household panel) has no top bar
    return {"unread_count": Notification.objects.filter(user=user, read_at__isnull=True).count()}
