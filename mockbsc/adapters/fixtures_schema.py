"""The JSON Schema of the fixtures file, and its errors as a person reads them.

`mockbsc fixtures schema` prints it (for a YAML editor or a CI check), `mockbsc fixtures
check FILE` and `mockbsc serve --fixtures FILE` validate with it before the file is read, so
each wrong field is named by its path (`organisations[0].sims[2].iccid: required`) and no
error shows a Python class name. Dates have no type here: YAML reads an unquoted date as a
date, not a string; `mockbsc.adapters.fixture_sims.parse_date` checks them.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import TYPE_CHECKING, Any

from mockbsc.adapters.fixture_sims import QUOTA_FIELDS, SIM_FIELDS
from mockbsc.domain.orders.models import OrderStatus, OrderType
from mockbsc.domain.scenario import FleetMix

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_DATE = {"description": "ISO 8601 (no offset: UTC) or the wire's '2031-11-26 00:00:00'"}
_TEXT = {"type": ["string", "integer"]}  # YAML reads digits-only ICCIDs etc. as numbers
_AMOUNT = {"type": ["string", "number"]}
_QUOTA: dict[str, Any] = {
    "type": "object", "required": ["volume"], "additionalProperties": False,
    "properties": {name: (_DATE if name.endswith("_date") else {"type": "number"})
                   for name in QUOTA_FIELDS},
}
_SIM: dict[str, Any] = {
    "type": "object", "required": ["iccid"], "additionalProperties": False,
    "description": "An explicit SIM: only iccid is required; what is left out is drawn from "
                   "a random stream seeded by the ICCID.",
    "properties": {
        **{name: _TEXT for name in SIM_FIELDS},
        "imei_lock": {"type": "boolean"},
        "activation_date": _DATE,
        "data_quota": _QUOTA,
        "sms_quota": _QUOTA,
        "connection": {"type": "string", "description": "ONLINE, ATTACHED or OFFLINE"},
    },
}
_GENERATE = {"type": "object", "required": ["generate"], "additionalProperties": False,
             "properties": {"generate": {"type": "integer", "minimum": 0}}}
_ORDER: dict[str, Any] = {
    "type": "object", "required": ["order_number", "order_date"],
    "description": "An order as GET /v1/orders lists it.",
    "properties": {
        "order_number": {"type": "integer"},
        "order_type": {"enum": [t.value for t in OrderType]},
        "order_status": {"enum": [s.value for s in OrderStatus]},
        "order_date": _DATE,
        "invoice_number": _TEXT, "invoice_amount": _AMOUNT, "currency": {"type": "string"},
        "sims": {"type": "array", "items": {"anyOf": [_TEXT, {"type": "object",
                                                              "required": ["iccid"]}]}},
        "products": {"type": "array", "items": {
            "type": "object", "required": ["product_id", "quantity"],
            "properties": {"product_id": {"type": "integer"}, "quantity": {"type": "integer"}}}},
        "shipping_address": {"type": "object"},
        "customer_reference": {"type": ["string", "null"]},
    },
}
_ORG: dict[str, Any] = {
    "type": "object", "required": ["id", "name"], "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "sims": {"description": "How many SIMs to generate, or a list of explicit SIMs and "
                                "{generate: N} items",
                 "anyOf": [{"type": "integer", "minimum": 0},
                           {"type": "array", "items": {"if": {"required": ["generate"]},
                                                       "then": _GENERATE, "else": _SIM}}]},
        "sms_forward_url": {"type": ["string", "null"], "pattern": "^https?://"},
        "orders": {"type": "array", "items": _ORDER},
    },
}
_CHARGE = {"type": "object", "required": ["name", "amount_net", "currency"],
           "properties": {"name": {"type": "string"}, "amount_net": _AMOUNT,
                          "currency": {"type": "string"}}}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "mockbsc fixtures",
    "description": "Organisations, API users, products and the seeded fleet's mix of "
                   "`mockbsc serve --fixtures FILE` (YAML or JSON).",
    "type": "object",
    "required": ["organisations"],
    "additionalProperties": False,
    "properties": {
        "default_organisation": {"type": "integer", "description": "default: the first"},
        "organisations": {"type": "array", "minItems": 1, "items": _ORG},
        "users": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["username", "password", "organisation", "user_id"],
            "properties": {"username": _TEXT, "password": _TEXT,
                           "organisation": {"type": "integer"},
                           "user_id": {"type": "integer"}, "api_access": {"type": "boolean"}}}},
        "products": {"type": "array", "items": {
            "type": "object", "required": ["id", "product"],
            "properties": {
                "id": {"type": "integer"}, "product": {"type": "string"},
                "material": {"type": "string"},
                **{name: {"type": "integer", "minimum": 0} for name in (
                    "package_size", "minQuantity", "maxQuantity", "maxQuantityPerCustomer",
                    "min_contract_duration")},
                "one_time_charges": {"type": "array", "items": _CHARGE},
                "recurring_charges": {"type": "array", "items": _CHARGE}}}},
        "topup": {"type": "object", "additionalProperties": False,
                  "properties": {"amount_net": _AMOUNT, "currency": {"type": "string"}}},
        "fleet": {"type": "object", "additionalProperties": False,
                  "description": "Shares (0 to 1) of the generated fleet in each state.",
                  "properties": {
                      **{name: {"type": "number", "minimum": 0, "maximum": 1}
                         for name in FleetMix.__dataclass_fields__ if name != "history_days"},
                      "history_days": {"type": "integer", "minimum": 0}}},
    },
}
DIGEST = hashlib.sha256(json.dumps(SCHEMA, sort_keys=True).encode()).hexdigest()[:16]
"""Names the schema a file was checked against (`fixtures_file` keeps checked files by it)."""


@functools.cache
def _validator() -> Draft202012Validator:
    """Made on first use: importing `jsonschema` is a fifth of `mockbsc serve`'s start-up,
    and a fixtures file checked before is read from the cache without it."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(SCHEMA)


_TYPES = {"object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
          "number": "a number", "boolean": "true or false", "null": "null"}


def problems(document: Any) -> list[str]:
    """Every way `document` breaks the schema, each naming its field; empty when none."""
    return [_describe(error) for error in sorted(_validator().iter_errors(document),
                                                 key=lambda e: list(map(str, e.absolute_path)))]


def where(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "(top)"


def _describe(error: ValidationError) -> str:
    at = where(error.absolute_path)
    kind, value = error.validator, error.validator_value
    if kind == "anyOf" and error.context:  # the branch that got furthest says it best
        deepest = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
        # Deeper in, or the value had the right type but broke a rule: that error says it.
        if len(deepest.absolute_path) > len(error.absolute_path) or deepest.validator != "type":
            return _describe(deepest)
        return f"{at}: {_shown(error.instance)} is not " + " or ".join(
            _TYPES.get(str(e.validator_value), str(e.validator_value))
            for e in error.context if e.validator == "type")
    if kind == "required":
        # One error per missing field; its message is "'NAME' is a required property".
        name = error.message.rsplit(" is a required property", 1)[0].strip("'\"")
        return f"{where([*error.absolute_path, name])}: required"
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return f"{at}: unknown field(s) {', '.join(sorted(set(error.instance) - known))}"
    if kind == "type":
        types = value if isinstance(value, list) else [value]
        return f"{at}: {_shown(error.instance)} is not " + " or ".join(
            _TYPES.get(str(t), str(t)) for t in types)
    if kind == "enum":
        return f"{at}: {_shown(error.instance)} is not one of {', '.join(map(str, value))}"
    if kind == "minItems":
        return f"{at}: needs at least {value} item(s)"
    if kind in ("minimum", "maximum"):
        return f"{at}: {_shown(error.instance)} is {'below' if kind == 'minimum' else 'above'} " \
               f"{value}"
    if kind == "pattern":
        return f"{at}: {_shown(error.instance)} does not match {value}"
    return f"{at}: {error.message}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
