"""Input that can't hurt: every request is checked before a view sees it.

A body larger than the service allows, JSON nested deeper than any form of the hall needs, numbers no money figure
can be, and text with control characters or broken Unicode (a lone surrogate, a NUL byte that PostgreSQL refuses)
are answered with a 4xx problem in Chinese and a stable code. Nothing of them reaches a use case or the database.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, request

from chassis.errors import ApiError

MAX_JSON_DEPTH = 20
# the longest number a form of the hall could need (an ID number is a string); longer ones are refused unparsed
MAX_NUMBER_DIGITS = 30

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; UTF-16 surrogates, which are not
# characters at all; U+FFFE and U+FFFF, which are not characters either
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LONG_NUMBER = re.compile(rb"[0-9]{%d,}" % (MAX_NUMBER_DIGITS + 1))


def unsafe_text(value: str) -> bool:
    return _UNSAFE_TEXT.search(value) is not None


def json_nesting_depth(raw: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest, counted without parsing it (strings are skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def strings_in(value: Any) -> Iterator[str]:
    """Every string of a parsed JSON value, keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, inner in item.items():
                yield key
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


def _refuse_constant(name: str) -> None:
    raise ValueError(name)


def check_json_body(raw: bytes) -> None:
    if json_nesting_depth(raw) > MAX_JSON_DEPTH:
        raise ApiError("JSON_TOO_DEEP", f"提交的内容层级过深（最多{MAX_JSON_DEPTH}层）", 400)
    if _LONG_NUMBER.search(_outside_strings(raw)):
        raise ApiError("NUMBER_OUT_OF_RANGE", "提交的数字超出允许范围", 422)
    try:
        text = raw.decode("utf-8")
        document = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ApiError("BAD_JSON", "提交的内容不是有效的JSON", 400) from error
    for item in _numbers_in(document):
        if item != item or item in (float("inf"), float("-inf")):
            raise ApiError("NUMBER_OUT_OF_RANGE", "提交的数字超出允许范围", 422)
    if any(unsafe_text(item) for item in strings_in(document)):
        raise ApiError("INVALID_CHARACTERS", "提交的内容含有不允许的字符（控制字符或无效编码）", 400)


def _numbers_in(value: Any) -> Iterator[float]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _outside_strings(raw: bytes) -> bytes:
    """The JSON text with the contents of its strings blanked, so that digits inside a string are not numbers."""
    out = bytearray()
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
                out.append(byte)
            continue
        if byte == 0x22:
            in_string = True
        out.append(byte)
    return bytes(out)


def check_request_text() -> None:
    """Query values, their names and path parameters: no control characters, no broken Unicode."""
    for key, value in request.args.items(multi=True):
        if unsafe_text(key) or unsafe_text(value):
            raise ApiError("INVALID_CHARACTERS", "查询参数含有不允许的字符（控制字符或无效编码）", 400)
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and unsafe_text(value):
            raise ApiError("INVALID_CHARACTERS", "地址中含有不允许的字符（控制字符或无效编码）", 400)


def install_input_guard(app: Flask) -> None:
    @app.before_request
    def _guard_input() -> None:
        check_request_text()
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            if limit and (request.content_length or 0) > limit:
                raise ApiError("PAYLOAD_TOO_LARGE", f"提交的内容过大（最多{limit // 1024} KB）", 413)
            raw = request.get_data(cache=True)
            if raw:
                check_json_body(raw)
