"""Orders and products: list, read and place orders; the product catalogue."""

from __future__ import annotations

from starlette.responses import Response

from mockbsc.api import serialize
from mockbsc.api.operation import Call
from mockbsc.api.responses import json_response, page_response
from mockbsc.domain.orders.models import OrderLine


def get_orders(call: Call) -> Response:
    q = call.query
    page = call.emulator.ordering.page(call.org_id, q["page"], q["pageSize"], q.get("sort"))
    return page_response([serialize.order(o, call.api_base) for o in page.items], page)


def get_order(call: Call) -> Response:
    order = call.emulator.ordering.get(call.org_id, call.path["order_number"])
    return json_response(serialize.order(order, call.api_base))


def post_order(call: Call) -> Response:
    body = call.body
    lines = [OrderLine(p["productId"], p["quantity"]) for p in body["products"]]
    order = call.emulator.ordering.place(call.org_id, lines, body.get("delivery_address"),
                                      body.get("customer_reference"))
    location = f"{call.api_base}/v1/orders/{order.number}"
    return json_response(body, 201, {"Location": location})


def get_products(call: Call) -> Response:
    return json_response([serialize.product(p) for p in call.emulator.ordering.products()])
