"""OpenAPI documents that tell the truth: money as decimal strings, numeric limits as numbers, every error as
problem+json with its code, and the bearer token scheme. schemathesis holds each service's API to its document."""

from decimal import Decimal
from http import HTTPStatus

from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

from chassis.errors import PROBLEM_JSON


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every service answers a refusal."""

    class Meta:
        unknown = "include"  # a refusal may add facts of its own (retry_after, remaining_attempts...)

    type = fields.String(metadata={"example": "https://nx-hall.example/problems/validation-failed"})
    title = fields.String()
    status = fields.Integer()
    code = fields.String(
        metadata={"description": "稳定的错误代码，如 VALIDATION_FAILED", "example": "VALIDATION_FAILED"}
    )
    detail = fields.String(metadata={"description": "给用户看的中文说明"})
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), metadata={"description": "字段 → 中文错误"}
    )
    request_id = fields.String()


BEARER = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


class HallApi(Api):
    """flask-smorest's Api with the hall's error format documented for every status."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "错误（problem+json）", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def spec_options() -> dict:
    return {"components": {"securitySchemes": BEARER}, "security": [{"bearerAuth": []}]}


def document_truthfully(api: Api) -> None:
    """Decimals travel as strings ("1201.02"), so they are documented as strings of format decimal; the limits of
    a Range stay numbers (apispec writes them as x-minimum/x-maximum on a string, and a Decimal limit would
    otherwise be written as a string too)."""
    api.register_field(fields.Decimal, "string", "decimal")
    plugin = next(plugin for plugin in api.spec.plugins if hasattr(plugin, "converter"))

    def numeric_limits(_converter, _field, ret, **_kwargs) -> dict:
        limits = {}
        for key in ("minimum", "maximum", "x-minimum", "x-maximum", "exclusiveMinimum", "exclusiveMaximum"):
            value = ret.get(key)
            if isinstance(value, Decimal | str):
                number = Decimal(value)
                limits[key] = int(number) if number == number.to_integral_value() else float(number)
        return limits

    plugin.converter.add_attribute_function(numeric_limits)
