"""Payzen/Systempay's REST API, for the one thing eopayment cannot do for Payzen: ask, server
to server, where a payment stands (the `Order/Get` web service, issue 16 points 4 and 10).

A call is a POST of {"orderId": ..., "operationType": "DEBIT"} to `<api>/Order/Get`, with HTTP
Basic authentication: the shop id and the REST API password of the office's mode (test and
production passwords differ, "testpassword_…" and "prodpassword_…"). The answer lists the
order's transactions, each with a `status` (PAID, RUNNING, UNPAID, ABANDONED) and a
`detailedStatus`; an order without any transaction yet is the error PSP_010.

Nothing here logs: the caller logs what it needs, and neither the password nor the
Authorization header ever reaches a log line or an exception message."""

import base64
import json
import urllib.error
import urllib.request
from typing import Any

from ribambelle.billing.payments.base import ProviderError

# Seconds: the return page waits on this call, and the reconciliation asks up to 200 payments.
TIMEOUT = 8.0
# Order/Get lists at most 30 transactions: far below this.
MAX_ANSWER = 1_000_000
# "Transaction not found": no transaction for this order (yet).
NOT_FOUND = "PSP_010"


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """The one network call: (HTTP status, body). Raises OSError when the API cannot be
    reached or does not answer in time."""
    if not url.startswith("https://"):
        raise ValueError("the REST API is only asked over https")
    # https only (checked above): no file: or custom scheme.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), response.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code), b""


def _authorization(shop_id: str, password: str) -> str:
    token = base64.b64encode(f"{shop_id}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def order_transactions(
    *, api_url: str, shop_id: str, password: str, order_id: str
) -> list[dict[str, Any]]:
    """The order's debit transactions as Payzen lists them ([] when it has none yet). Raises
    ProviderError for an unreachable API, a refused authentication or an answer we cannot
    read."""
    headers = {
        "Authorization": _authorization(shop_id, password),
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    body = json.dumps({"orderId": order_id, "operationType": "DEBIT"}).encode()
    try:
        status, raw = http_post(f"{api_url}Order/Get", body, headers, TIMEOUT)
    except (OSError, ValueError) as error:
        raise ProviderError(f"payzen REST API unreachable ({type(error).__name__})") from None
    if status != 200:
        raise ProviderError(f"payzen REST API answered HTTP {status}")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ProviderError("payzen REST API answer is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("answer"), dict):
        raise ProviderError("payzen REST API answer without an answer object")
    answer = data["answer"]
    if data.get("status") != "SUCCESS":
        code = str(answer.get("errorCode") or "")
        if code == NOT_FOUND:
            return []
        raise ProviderError(f"payzen REST API error {code[:20]!r}")
    transactions = answer.get("transactions")
    if not isinstance(transactions, list):
        raise ProviderError("payzen REST API answer without transactions")
    return [
        item
        for item in transactions
        if isinstance(item, dict) and item.get("operationType", "DEBIT") == "DEBIT"
    ]
