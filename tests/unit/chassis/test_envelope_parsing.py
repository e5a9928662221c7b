"""A consumer's fast envelope parser loads exactly what the schema loads, and leaves anything unusual to it."""

import json

import pytest
from marshmallow import ValidationError

from chassis.bus.envelope import _ENVELOPE_SCHEMA, Envelope, _fast_load


def _raw(**changes) -> dict:
    envelope = Envelope(type="accounts.account.credited", data={"amount": "1.00"}, source="accounts")
    return {**json.loads(envelope.to_json()), **changes}


TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.mark.parametrize(
    "changes",
    [{}, {"causation_id": "c1"}, {"id": "A1B2C3D4-0000-4000-8000-00000000000F"}, {"traceparent": TRACEPARENT}],
)
def test_the_fast_parser_loads_what_the_schema_loads(changes):
    raw = _raw(**changes)
    assert _fast_load(raw) == _ENVELOPE_SCHEMA.load(raw)


@pytest.mark.parametrize(
    "changes",
    [
        {"extra": 1},  # the schema refuses unknown keys
        {"version": "2"},  # the schema converts it
        {"version": True},
        {"occurred_at": "2026-06-30T08:00:00"},  # naive: the schema dates it UTC
        {"id": "not-a-uuid"},
        {"type": "Not.A.Type"},
        {"data": []},
        {"traceparent": 5},
        {"traceparent": "0" * 129},
    ],
)
def test_anything_unusual_is_left_to_the_schema(changes):
    assert _fast_load(_raw(**changes)) is None


def test_a_malformed_envelope_is_still_refused_by_the_schema():
    with pytest.raises(ValidationError):
        Envelope.from_json(json.dumps(_raw(type="Not.A.Type")))
    with pytest.raises(ValidationError):
        Envelope.from_json(json.dumps({"not": "an envelope"}))
    assert Envelope.from_json(json.dumps(_raw(version="2"))).version == 2


def test_the_traceparent_goes_out_only_when_there_is_one_and_comes_back_as_it_went():
    untraced = Envelope(type="accounts.account.credited", data={}, source="accounts")
    assert "traceparent" not in json.loads(untraced.to_json())  # what consumers of earlier releases read
    traced = Envelope(type="accounts.account.credited", data={}, source="accounts", traceparent=TRACEPARENT)
    assert Envelope.from_json(traced.to_json()).traceparent == TRACEPARENT
    assert Envelope.from_json(untraced.to_json()).traceparent is None
