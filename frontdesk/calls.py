"""Ringing the owner of a pass that waits at the gate for the owner's confirmation, through the
desk's masked-number rule (core/calls.py): the switchboard when the deployment has one, else the
owner's number with the reveal logged. Who may: `rules.may_call_owner`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.calls import dial
from frontdesk import rules, selectors
from frontdesk.views import front_only


@front_only
@require_POST
def call_owner(request, pk, resident):
    goods_pass = selectors.visible_goods_passes(request.user).filter(pk=pk).first()
    if goods_pass is None:
        raise Http404(_("没有找到这张放行单。"))
    if not rules.may_call_owner(request.user, goods_pass):
        raise PermissionDenied(_("只有待业主确认的放行单可以从这里致电业主。"))
    owner = next((r for r in selectors.pass_owners(goods_pass) if r.pk == resident), None)
    if owner is None:
        raise Http404(_("这位业主不是该房屋的业主。"))
    return dial(request, obj=owner, field="phone")
