"""core/notify_providers.py: each provider's request is built and signed as documented (known
answers from the providers' own worked examples); no test touches the network."""

import json

import pytest

from core import notify_providers as providers


def test_aliyun_signature_matches_the_documented_example():
    """Aliyun SMS signature docs' worked example (AccessKeySecret testSecret)."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert providers.aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_percent_encoding_is_rfc3986_not_form_encoding():
    assert providers.percent_encode("a b*~/") == "a%20b%2A~%2F"


def test_aliyun_url_carries_the_signature_of_its_own_query():
    url = providers.aliyun_sms_url(
        key_id="id",
        secret="s",
        phone="13800138000",
        sign_name="物业",
        template="SMS_1",
        params={"code": "1234"},
        nonce="n",
        timestamp="2026-12-07T00:00:00Z",
    )
    from urllib.parse import parse_qsl, urlsplit

    query = dict(parse_qsl(urlsplit(url).query))
    signature = query.pop("Signature")
    assert signature == providers.aliyun_signature(query, "s")
    assert query["TemplateParam"] == '{"code":"1234"}' and query["PhoneNumbers"] == "13800138000"


def test_tc3_signature_matches_tencents_worked_example():
    """Tencent Cloud API 3.0 signature docs' example (cvm DescribeInstances, 2019-02-25)."""
    payload = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    authorization = providers.tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        payload=payload,
        timestamp=1551113065,
        content_type="application/json; charset=utf-8",
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )


def test_tencent_sms_request_signs_its_body(settings):
    url, body, headers = providers.tencent_sms_request(
        secret_id="id",
        secret_key="key",
        app_id="1400000000",
        sign_name="物业",
        phone="13800138000",
        template="123",
        params=["482913", 5],
        timestamp=1765000000,
    )
    payload = json.loads(body)
    assert url == "https://sms.tencentcloudapi.com"
    assert payload["PhoneNumberSet"] == ["+8613800138000"] and payload["TemplateParamSet"] == ["482913", "5"]
    assert headers["X-TC-Action"] == "SendSms" and headers["X-TC-Version"] == "2021-01-11"
    assert headers["Authorization"] == providers.tc3_authorization(
        secret_id="id",
        secret_key="key",
        service="sms",
        host="sms.tencentcloudapi.com",
        payload=body.decode(),
        timestamp=1765000000,
        content_type="application/json; charset=utf-8",
    )


def test_hostile_text_cannot_break_out_of_a_wechat_payload():
    hostile = '"}, "touser": "attacker", "x": {"value": "\n</script>'
    payload = json.loads(providers.wechat_payload("openid-1", "TPL", {"first": hostile, "remark": "好"}, "https://x/"))
    assert payload["touser"] == "openid-1"
    assert payload["data"]["first"]["value"] == hostile and set(payload) == {"touser", "template_id", "data", "url"}


@pytest.fixture
def fake_http(monkeypatch):
    calls = []
    answers = []

    def http(method, url, *, body=None, headers=None):
        calls.append((method, url, body, headers))
        return answers.pop(0)

    monkeypatch.setattr(providers, "http", http)
    return calls, answers


def test_aliyun_sms_reports_the_providers_refusal(settings, fake_http):
    calls, answers = fake_http
    settings.PROPDESK_SMS_KEY_ID, settings.PROPDESK_SMS_KEY_SECRET, settings.PROPDESK_SMS_SIGN_NAME = "i", "s", "物业"
    answers.append({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
    with pytest.raises(providers.ProviderError, match="BUSINESS_LIMIT_CONTROL"):
        providers.AliyunSms().send("13800138000", "x", template="SMS_1", params={"code": "1"})
    answers.append({"Code": "OK", "BizId": "b"})
    providers.AliyunSms().send("13800138000", "x", template="SMS_1", params={"code": "1"})
    assert calls[-1][0] == "GET" and calls[-1][1].startswith("https://dysmsapi.aliyuncs.com/?Signature=")


def test_a_message_without_a_template_needs_the_general_one(settings, fake_http):
    settings.PROPDESK_SMS_TEMPLATE = ""
    with pytest.raises(providers.ProviderError, match="PROPDESK_SMS_TEMPLATE"):
        providers.TencentSms().send("13800138000", "您的快递到了")


def test_wechat_fetches_a_token_once_and_sends_json(settings, fake_http):
    from django.core.cache import cache

    cache.delete("wechat-access-token")
    calls, answers = fake_http
    settings.PROPDESK_WECHAT_APP_ID, settings.PROPDESK_WECHAT_APP_SECRET = "wxapp", "sec"
    answers += [{"access_token": "TOK", "expires_in": 7200}, {"errcode": 0}, {"errcode": 0}]
    providers.WeChatTemplate().send("o1", template="T", data={"first": "到了"})
    providers.WeChatTemplate().send("o2", template="T", data={"first": "到了"})
    assert [c[1].split("?")[0] for c in calls] == [
        "https://api.weixin.qq.com/cgi-bin/token",
        "https://api.weixin.qq.com/cgi-bin/message/template/send",
        "https://api.weixin.qq.com/cgi-bin/message/template/send",
    ]
    assert json.loads(calls[1][2])["touser"] == "o1" and "access_token=TOK" in calls[2][1]
    cache.delete("wechat-access-token")
