"""The residents' sign-in (phone and a one-time code) and the writes of the residents' pages that
are not some other app's service: reporting with photos."""

import secrets
from datetime import timedelta
from functools import cache

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from core import sql
from core.audit import audit_signin
from core.choices import Role
from core.errors import ActionRefused
from core.models import Project, User
from core.phone import normalize_phone
from core.uploads import check_uploads
from desk.choices import Channel
from desk.services import Intake, request_register
from desk.services.work import _attach_files
from estate.models import Occupancy, Resident
from portal.codes import send_code
from portal.models import SignInCode, SignInFailure

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
PER_PHONE_HOUR = 5
PER_IP_HOUR = 20
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
MAX_PHOTOS = 6


class Throttled(ActionRefused):
    """Too many codes asked for, or too many wrong ones: wait and try again."""

    status = 429


def _hash(phone: str, code: str) -> str:
    return salted_hmac("portal.signin-code", f"{phone}:{code}").hexdigest()


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw or "")
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None


def _audit(action: str, phone: str, ip, user=None, **data):
    audit_signin(
        action=action,
        username=user.username if user else "",
        ip=ip,
        path="/my/",
        actor=user,
        data={"phone": phone, **data},
    )


def code_request(*, phone: str, ip: str | None) -> dict:
    """Ask for a code for `phone`. Every request is counted; a code is only sent to a phone a
    current resident can sign in with, but the answer is the same either way (no lookup of who
    lives here). Returns {"phone": normalised, "sent_to": "sms"|"outbox"|""}."""
    phone = _phone(phone)
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    recent = SignInCode.objects.filter(phone=phone, created_at__gte=hour_ago).values_list("created_at", flat=True)
    recent = sorted(recent, reverse=True)
    if recent and now - recent[0] < RESEND_AFTER:
        _audit("code_throttled", phone, ip, why="resend")
        wait = int((RESEND_AFTER - (now - recent[0])).total_seconds()) + 1
        raise Throttled(_("验证码已发送，请 %(s)s 秒后再试。") % {"s": wait})
    if len(recent) >= PER_PHONE_HOUR:
        _audit("code_throttled", phone, ip, why="phone_hour")
        raise Throttled(_("这个手机号一小时内获取验证码次数过多，请稍后再试。"))
    if ip and SignInCode.objects.filter(ip=ip, created_at__gte=hour_ago).count() >= PER_IP_HOUR:
        _audit("code_throttled", phone, ip, why="ip_hour")
        raise Throttled(_("操作过于频繁，请稍后再试。"))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    SignInCode.objects.create(
        phone=phone, code_hash=_hash(phone, code), ip=ip, created_at=now, expires_at=now + CODE_LIFETIME
    )
    sent_to = ""
    if _signin_refusal(phone) is None:
        sent_to = send_code(phone, code)
    _audit("code_sent" if sent_to else "code_not_sent", phone, ip)
    return {"phone": phone, "sent_to": sent_to}


def _current_residents(phone: str) -> list[Resident]:
    return list(
        # the account joined (its role and state decide); not the project, needed only for a new account
        Resident.objects.filter(phone=phone, pk__in=Occupancy.objects.current().values("resident_id")).select_related(
            "user"
        )
    )


def _staff_phone(phone: str) -> bool:
    """An active staff account has this phone (asked in SQL by `_check_state_sql` too: keep alike)."""
    return User.objects.filter(phone=phone, is_active=True).exclude(role=Role.RESIDENT).exists()


def _refusal(phone: str, residents: list[Resident], staff: bool | None = None) -> str | None:
    """Why this phone cannot sign in to the residents' pages, given its current residents (and
    whether an active staff account has the phone, when already read), or None."""
    if _staff_phone(phone) if staff is None else staff:
        return _("员工请从员工登录页登录。")
    users = {r.user for r in residents if r.user_id}
    if any(u.role != Role.RESIDENT or not u.is_active for u in users):
        return _("员工请从员工登录页登录。")
    if len(users) == 1:
        return None
    if len(users) > 1 or len(residents) != 1:
        return _("这个手机号未登记或登记了多位业户，请联系物业服务中心。")
    return None


def _signin_refusal(phone: str) -> str | None:
    """Why this phone cannot sign in to the residents' pages, or None."""
    return _refusal(phone, _current_residents(phone))


def _resident_user(phone: str, residents: list[Resident]) -> User:
    """The account of the phone's one current resident, made at their first sign-in."""
    for r in residents:
        if r.user_id:
            return r.user
    resident = residents[0]
    # the caller's transaction when there is one (the code check): no savepoint of its own
    with transaction.atomic(savepoint=False):
        user = User.objects.create(
            username=f"resident-{resident.pk}",
            password=make_password(None),
            role=Role.RESIDENT,
            display_name=resident.name,
            phone=phone,
            company_id=Project.objects.filter(pk=resident.project_id).values_list("company_id", flat=True).first(),
        )
        Resident.objects.filter(pk=resident.pk, user__isnull=True).update(user=user)
    return user


def _check_state(phone: str, now) -> tuple[int, int | None, str, bool]:
    """What the code check reads before it decides, in one hand-written statement (core/sql.py: the
    check runs at every sign-in and has a 20 ms budget): the phone's failures within the lockout
    window, its newest live code (id and hash, or None and ''), and whether an active staff
    account has the phone."""
    with sql.cursor() as cursor:
        at = connection.ops.adapt_datetimefield_value
        cursor.execute(
            _check_state_sql(connection.vendor),
            [phone, Role.RESIDENT, phone, at(now - LOCK_FOR), phone, at(now)],
        )
        failures, candidate_id, candidate_hash, staff = cursor.fetchone()
    return failures, candidate_id, candidate_hash or "", bool(staff)


@cache
def _check_state_sql(vendor: str) -> str:
    q = sql.quote
    failure, code, user = (q(m._meta.db_table) for m in (SignInFailure, SignInCode, User))
    return (
        f"SELECT f.n, c.{q('id')}, c.{q('code_hash')}, EXISTS(SELECT 1 FROM {user} u WHERE u.{q('phone')} = %s"
        f" AND u.{q('is_active')} AND u.{q('role')} <> %s)"
        f" FROM (SELECT COUNT(*) AS n FROM {failure} WHERE {q('phone')} = %s AND {q('at')} >= %s) f"
        f" LEFT JOIN (SELECT {q('id')}, {q('code_hash')} FROM {code} WHERE {q('phone')} = %s"
        f" AND {q('used_at')} IS NULL AND {q('expires_at')} > %s ORDER BY {q('created_at')} DESC LIMIT 1) c ON 1 = 1"
    )


def code_verify(*, phone: str, code: str, ip: str | None) -> User:
    """Check the code for `phone`: the newest unused one within its 5 minutes, once. Five wrong
    codes within 15 minutes lock the phone out for 15 minutes. Returns the resident's account
    (created at the first sign-in of a resident who has none)."""
    phone = _phone(phone)
    now = timezone.now()
    failures, candidate_id, candidate_hash, staff = _check_state(phone, now)
    if failures >= LOCK_AFTER:
        _audit("code_locked", phone, ip)
        raise Throttled(_("验证码错误次数过多，请 15 分钟后再试。"))
    code = (code or "").strip()
    wanted = _hash(phone, code)
    if not (code.isdigit() and candidate_id and constant_time_compare(candidate_hash, wanted)):
        SignInFailure.objects.create(phone=phone, ip=ip, at=now)
        _audit("code_wrong", phone, ip)
        raise ValidationError({"code": [_("验证码错误或已过期，请重新获取。")]})
    if not SignInCode.objects.filter(pk=candidate_id, used_at__isnull=True).update(used_at=now):
        SignInFailure.objects.create(phone=phone, ip=ip, at=now)
        _audit("code_wrong", phone, ip)
        raise ValidationError({"code": [_("验证码错误或已过期，请重新获取。")]})
    residents = _current_residents(phone)  # read once: for the refusal and for the account
    refusal = _refusal(phone, residents, staff)
    if refusal:
        _audit("code_refused", phone, ip, why=refusal)
        raise ActionRefused(refusal)
    user = _resident_user(phone, residents)
    _audit("code_signin", phone, ip, user=user)
    return user


@transaction.atomic
def report_submit(*, actor, room_id: int, kind: str, title: str, description: str = "", files=()) -> object:
    """A resident reports a repair or a complaint for their current room, with photos: it is
    registered through the desk's own service (channel 业主端) and waits in the desk's queue."""
    if len(files) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS}]})
    checked = check_uploads(files, field="photos", images_only=True) if files else []
    room = Occupancy.objects.current().filter(room_id=room_id, resident__user=actor).select_related("room").first()
    if room is None:
        raise ActionRefused(_("只能为自己居住的房屋报事。"))
    sr = request_register(
        actor=actor,
        data=Intake(
            project_id=room.room.project_id,
            kind=kind,
            title=(title or "").strip(),
            description=description or "",
            channel=Channel.PORTAL,
            room_id=room_id,
        ),
    )
    if checked:
        _attach_files(actor=actor, request=sr, event=sr.registered_event, checked=checked)
    return sr
