"""Outside providers for core/notify.py's SMS and WeChat channels.

Each provider builds and signs its request exactly as the provider documents it; the HTTP call is
one small function (`http`) so tests never touch the network. The development backends
(`RecordingSms`, `RecordingWeChat`, the defaults) send nothing: the outbox row is the record and a
log line says what would have gone. Real ones are chosen by settings (PROPDESK_SMS_BACKEND,
PROPDESK_WECHAT_BACKEND) with their keys from the environment (see README's settings table).

- Aliyun SMS (dysmsapi 2017-05-25 SendSms): RPC signature, HMAC-SHA1 over
  "GET&%2F&" + percent-encoded sorted query, key = AccessKeySecret + "&".
- Tencent Cloud SMS (2021-01-11 SendSms): TC3-HMAC-SHA256 over the canonical request, key derived
  from "TC3" + SecretKey, the date and the service.
- WeChat official account template message: POST JSON to message/template/send with an
  access_token fetched from cgi-bin/token (client_credential) and cached below its lifetime.
"""

import base64
import hashlib
import hmac
import json
import logging
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from core.phone import mask_phone

log = logging.getLogger("propdesk.notify")

TIMEOUT = 10


class ProviderError(Exception):
    """The provider refused the message (its code and message are kept as the delivery's error)."""


def http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None) -> dict:
    """One HTTP request, the JSON answer as a dict. Tests replace this function."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 (https URLs built here)
        return json.loads(answer.read().decode("utf-8"))


# ------------------------------------------------------------------ development backends


class RecordingSms:
    """Sends nothing: the delivery row keeps the text (core.notify.last_sms reads it) and a log
    line says where it would have gone."""

    records = True

    def send(self, phone: str, text: str, *, template: str = "", params: dict | None = None) -> None:
        log.info("SMS (not sent, development backend) to %s: %s", phone, text)


class RecordingWeChat:
    records = True

    def send(self, openid: str, *, template: str, data: dict, url: str = "") -> None:
        log.info(
            "WeChat (not sent, development backend) to %s: %s", openid, wechat_payload(openid, template, data, url)
        )


# ------------------------------------------------------------------ Aliyun SMS


def percent_encode(value) -> str:
    """RFC 3986 as Aliyun's signature wants it: only A-Z a-z 0-9 - _ . ~ stay; space is %20."""
    return urllib.parse.quote(str(value), safe="-_.~")


def aliyun_signature(params: dict, secret: str, method: str = "GET") -> str:
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_sms_url(
    *, key_id: str, secret: str, phone: str, sign_name: str, template: str, params: dict, nonce: str, timestamp: str
) -> str:
    query = {
        "AccessKeyId": key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": "cn-hangzhou",
        "SignName": sign_name,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce,
        "SignatureVersion": "1.0",
        "TemplateCode": template,
        "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        "Timestamp": timestamp,
        "Version": "2017-05-25",
    }
    signature = aliyun_signature(query, secret)
    encoded = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(query.items()))
    return f"https://dysmsapi.aliyuncs.com/?Signature={percent_encode(signature)}&{encoded}"


class AliyunSms:
    records = False

    def send(self, phone: str, text: str, *, template: str = "", params: dict | None = None) -> None:
        template, params = _template_or_text(template, params, text)
        url = aliyun_sms_url(
            key_id=settings.PROPDESK_SMS_KEY_ID,
            secret=settings.PROPDESK_SMS_KEY_SECRET,
            phone=phone,
            sign_name=settings.PROPDESK_SMS_SIGN_NAME,
            template=template,
            params=params,
            nonce=uuid.uuid4().hex,
            timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        answer = http("GET", url)
        if answer.get("Code") != "OK":
            raise ProviderError(f"aliyun {answer.get('Code')}: {answer.get('Message')}")
        log.info("SMS sent to %s via Aliyun (%s)", mask_phone(phone), answer.get("BizId", ""))


# ------------------------------------------------------------------ Tencent Cloud SMS


def tc3_authorization(
    *, secret_id: str, secret_key: str, service: str, host: str, payload: str, timestamp: int, content_type: str
) -> str:
    """The Authorization header of Tencent Cloud API 3.0 (signed headers content-type;host)."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload.encode()).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


def tencent_sms_request(
    *,
    secret_id: str,
    secret_key: str,
    app_id: str,
    sign_name: str,
    phone: str,
    template: str,
    params: list,
    timestamp: int,
) -> tuple[str, bytes, dict]:
    host = "sms.tencentcloudapi.com"
    content_type = "application/json; charset=utf-8"
    payload = json.dumps(
        {
            "PhoneNumberSet": [phone if phone.startswith("+") else f"+86{phone}"],
            "SmsSdkAppId": app_id,
            "SignName": sign_name,
            "TemplateId": template,
            "TemplateParamSet": [str(p) for p in params],
        },
        ensure_ascii=False,
    )
    headers = {
        "Authorization": tc3_authorization(
            secret_id=secret_id,
            secret_key=secret_key,
            service="sms",
            host=host,
            payload=payload,
            timestamp=timestamp,
            content_type=content_type,
        ),
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": getattr(settings, "PROPDESK_SMS_REGION", "") or "ap-guangzhou",
    }
    return f"https://{host}", payload.encode(), headers


class TencentSms:
    records = False

    def send(self, phone: str, text: str, *, template: str = "", params: dict | None = None) -> None:
        template, params = _template_or_text(template, params, text)
        url, body, headers = tencent_sms_request(
            secret_id=settings.PROPDESK_SMS_KEY_ID,
            secret_key=settings.PROPDESK_SMS_KEY_SECRET,
            app_id=settings.PROPDESK_SMS_APP_ID,
            sign_name=settings.PROPDESK_SMS_SIGN_NAME,
            phone=phone,
            template=template,
            params=list(params.values()),  # Tencent templates take positional {1} {2} ...
            timestamp=int(datetime.now(UTC).timestamp()),
        )
        answer = http("POST", url, body=body, headers=headers).get("Response", {})
        if "Error" in answer:
            raise ProviderError(f"tencent {answer['Error'].get('Code')}: {answer['Error'].get('Message')}")
        status = (answer.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise ProviderError(f"tencent {status.get('Code')}: {status.get('Message')}")
        log.info("SMS sent to %s via Tencent Cloud (%s)", mask_phone(phone), status.get("SerialNo", ""))


def _template_or_text(template: str, params: dict | None, text: str) -> tuple[str, dict]:
    """Chinese providers send only approved templates: a message without its own template goes
    through the general one (PROPDESK_SMS_TEMPLATE, one variable `content`)."""
    if template:
        return template, params or {}
    general = getattr(settings, "PROPDESK_SMS_TEMPLATE", "")
    if not general:
        raise ProviderError("no SMS template: set PROPDESK_SMS_TEMPLATE")
    return general, {"content": text}


# ------------------------------------------------------------------ WeChat template messages


def wechat_payload(openid: str, template: str, data: dict, url: str = "") -> str:
    """The template message as JSON text: json.dumps escapes whatever the values hold."""
    body = {"touser": openid, "template_id": template, "data": {k: {"value": str(v)} for k, v in data.items()}}
    if url:
        body["url"] = url
    return json.dumps(body, ensure_ascii=False)


def wechat_access_token() -> str:
    key = "wechat-access-token"
    token = cache.get(key)
    if token:
        return token
    query = urllib.parse.urlencode(
        {
            "grant_type": "client_credential",
            "appid": settings.PROPDESK_WECHAT_APP_ID,
            "secret": settings.PROPDESK_WECHAT_APP_SECRET,
        }
    )
    answer = http("GET", f"https://api.weixin.qq.com/cgi-bin/token?{query}")
    if "access_token" not in answer:
        raise ProviderError(f"wechat token {answer.get('errcode')}: {answer.get('errmsg')}")
    cache.set(key, answer["access_token"], max(60, int(answer.get("expires_in", 7200)) - 300))
    return answer["access_token"]


class WeChatTemplate:
    records = False

    def send(self, openid: str, *, template: str, data: dict, url: str = "") -> None:
        token = wechat_access_token()
        answer = http(
            "POST",
            f"https://api.weixin.qq.com/cgi-bin/message/template/send?access_token={urllib.parse.quote(token)}",
            body=wechat_payload(openid, template, data, url).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        if answer.get("errcode", 0) != 0:
            if answer.get("errcode") in (40001, 42001):  # token expired or revoked: fetch a new one next time
                cache.delete("wechat-access-token")
            raise ProviderError(f"wechat {answer.get('errcode')}: {answer.get('errmsg')}")
