"""'All normal' for a patrol point in one tap (the patrol's phone page, templates/safety/run.html).
Thin: the service `stop_all_normal` records it with `stop_check`'s rules."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from safety import services
from safety.choices import StopState
from safety.models import RunStop
from safety.views import _get_run, staff_only


def next_stop_url(stop: RunStop) -> str:
    """The run's page opened at the next point still to check (the page itself when none is left)."""
    nxt = RunStop.objects.filter(run_id=stop.run_id, state=StopState.PENDING).order_by("order", "id").first()
    url = reverse("safety:run", args=[stop.run_id])
    return f"{url}?stop={nxt.pk}#stop-{nxt.pk}" if nxt else f"{url}#stop-{stop.pk}"


@staff_only
@require_POST
def stop_all_normal(request, pk):
    stop = get_object_or_404(RunStop.objects.select_related("run__route", "point"), pk=pk)
    _get_run(request.user, stop.run_id)  # 404 unless the user may see the run
    try:
        services.stop_all_normal(actor=request.user, stop=stop)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("safety:run", args=[stop.run_id]) + f"?stop={stop.pk}#stop-{stop.pk}")
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("safety:run", args=[stop.run_id]) + f"#stop-{stop.pk}")
    messages.success(request, _("点位 %(code)s：全部正常，已记录。") % {"code": stop.point.code})
    return redirect(next_stop_url(stop))
