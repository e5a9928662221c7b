"""The `http` provider against a fake SMS gateway: signed requests, success, retryable and final errors, timeouts."""

import pytest

from services.notifications.adapters.sms import HttpSmsProvider, ProviderError
from services.notifications.config import NotificationsConfig


def provider_for(gateway, **overrides) -> HttpSmsProvider:
    config = NotificationsConfig.from_env("notifications", database_url="sqlite://", **gateway.config(**overrides))
    return HttpSmsProvider(config, config.delivery_policy())


def test_an_accepted_text_answers_the_gateways_message_id(fake_gateway):
    message_id = provider_for(fake_gateway).send("13895000001", "【宁夏住房公积金】测试", "d-1")
    assert message_id.startswith("gw-")
    assert fake_gateway.received == [{"mobile": "13895000001", "content": "【宁夏住房公积金】测试", "reference": "d-1"}]
    assert fake_gateway.bad_signatures == 0


@pytest.mark.parametrize(("status", "code"), [(503, "SYSTEM_BUSY"), (429, "THROTTLED"), (200, "RATE_LIMITED")])
def test_a_busy_gateway_is_worth_another_try(fake_gateway, status, code):
    fake_gateway.script.append(("error", status, code))
    with pytest.raises(ProviderError) as caught:
        provider_for(fake_gateway).send("13895000001", "text", "d-1")
    assert (caught.value.failure.code, caught.value.failure.retryable) == (code, True)


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [(400, "INVALID_NUMBER", "空号"), (200, "BLACKLISTED", "黑名单"), (200, "NOT_LOCAL_NUMBER", "非宁夏本地号码")],
)
def test_a_refused_text_fails_for_good_with_the_reason(fake_gateway, status, code, words):
    fake_gateway.script.append(("error", status, code))
    with pytest.raises(ProviderError) as caught:
        provider_for(fake_gateway).send("13895000001", "text", "d-1")
    failure = caught.value.failure
    assert (failure.code, failure.retryable) == (code, False) and words in failure.reason


def test_an_unknown_provider_code_is_final_so_a_text_is_never_sent_twice(fake_gateway):
    fake_gateway.script.append(("error", 200, "SOMETHING_NEW"))
    with pytest.raises(ProviderError) as caught:
        provider_for(fake_gateway).send("13895000001", "text", "d-1")
    assert caught.value.failure.retryable is False


def test_a_gateway_that_does_not_answer_in_time_is_a_retryable_timeout(fake_gateway):
    fake_gateway.script.append(("sleep", 1.0))
    with pytest.raises(ProviderError) as caught:
        provider_for(fake_gateway, sms_http_timeout_seconds=0.2).send("13895000001", "text", "d-1")
    assert (caught.value.failure.code, caught.value.failure.retryable) == ("TIMEOUT", True)


def test_a_wrong_secret_is_refused_by_the_gateway_and_final(fake_gateway):
    with pytest.raises(ProviderError) as caught:
        provider_for(fake_gateway, sms_http_secret="wrong").send("13895000001", "text", "d-1")
    assert fake_gateway.bad_signatures == 1
    assert (caught.value.failure.code, caught.value.failure.retryable) == ("SIGNATURE_INVALID", False)


def test_an_unreachable_gateway_is_retryable(fake_gateway):
    fake_gateway.stop()
    with pytest.raises(ProviderError) as caught:
        provider_for(fake_gateway, sms_http_connect_timeout_seconds=0.5).send("13895000001", "text", "d-1")
    assert caught.value.failure.retryable is True
