#!/usr/bin/env python3
"""A brand's workforce-planning script for Burst Exchange, with nothing but Python's standard library.

  post   reads a forecast CSV (interval_start, forecast_contacts, aht_seconds), posts it as a demand
         spike and publishes it; prints the spike as one JSON line.
  plan   waits until the spike has cleared and downloads its routing plan as CSV (for the ACD).

  BURST_API_URL=http://localhost:4000 BURST_API_KEY=bx_test_... \\
    python3 burst_brand.py post forecast.csv --title "Storm week" --reserve 28.00 --currency GBP \\
      --bidding-closes-at 2027-01-11T08:00:00Z
  python3 burst_brand.py plan SPIKE_ID --out routing-plan.csv

Every GraphQL error is raised with its extensions.code; refusals (UserError members of the result
unions) are printed with their code, message and field, and the script exits 1.
"""

import argparse
import csv
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from decimal import Decimal, InvalidOperation

API_URL = os.environ.get("BURST_API_URL", "http://localhost:4000").rstrip("/")
API_KEY = os.environ.get("BURST_API_KEY", "")

POST_SPIKE = """
mutation Post($input: PostDemandSpikeInput!, $key: String!) {
  postDemandSpike(input: $input, idempotencyKey: $key) {
    __typename
    ... on DemandSpike { id status totalRequiredSeats }
    ... on UserError { code message field }
  }
}"""

PUBLISH_SPIKE = """
mutation Publish($id: UUID!) {
  publishDemandSpike(spikeId: $id) {
    __typename
    ... on DemandSpike { id status biddingClosesAt }
    ... on UserError { code message field }
  }
}"""

SPIKE_STATUS = """
query Status($id: UUID!) { demandSpike(id: $id) { id status } }"""


class ApiError(Exception):
    """A GraphQL error or an HTTP failure, with the API's stable code."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def request(method, path, body=None, accept="application/json"):
    headers = {"authorization": f"Bearer {API_KEY}", "accept": accept}
    data = None
    if body is not None:
        headers["content-type"] = "application/json"
        data = json.dumps(body).encode()
    req = urllib.request.Request(API_URL + path, data=data, headers=headers, method=method)
    for attempt in range(5):
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.read(), res.headers
        except urllib.error.HTTPError as e:
            payload = e.read()
            if e.code == 429 and attempt < 4:  # rate limited: wait as the API says, then retry
                time.sleep(float(e.headers.get("retry-after", "1")))
                continue
            try:
                err = json.loads(payload)["errors"][0]
                raise ApiError(err.get("extensions", {}).get("code", str(e.code)), err["message"]) from None
            except (ValueError, KeyError, IndexError):
                raise ApiError(str(e.code), payload.decode(errors="replace")[:200]) from None
    raise ApiError("RATE_LIMITED", "still rate limited after 5 attempts")


def gql(query, variables):
    raw, _ = request("POST", "/graphql", {"query": query, "variables": variables})
    body = json.loads(raw)
    if body.get("errors"):
        err = body["errors"][0]
        raise ApiError(err.get("extensions", {}).get("code", "UNKNOWN"), err["message"])
    return body["data"]


def refused(result):
    """A UserError member of a result union: print it and stop."""
    print(json.dumps({"refused": result}), file=sys.stderr)
    sys.exit(1)


def to_minor(amount, currency):
    """A decimal amount as integer minor units, exactly (no float): 28.00 GBP is 2800."""
    exponent = 0 if currency in ("JPY", "KRW", "ISK", "CLP", "VND") else 2
    try:
        value = Decimal(amount)
    except InvalidOperation:
        sys.exit(f"reserve {amount!r} is not a decimal number")
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        sys.exit(f"reserve {amount} has more decimals than {currency} allows ({exponent})")
    return str(int(minor))


def read_forecast(path):
    """Intervals from a forecast CSV: interval_start (ISO 8601), forecast_contacts, aht_seconds."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{path} has no intervals")
    missing = {"interval_start", "forecast_contacts", "aht_seconds"} - set(rows[0].keys())
    if missing:
        sys.exit(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
    return [
        {"startsAt": r["interval_start"], "forecastContacts": int(r["forecast_contacts"]), "ahtSeconds": int(r["aht_seconds"])}
        for r in rows
    ]


def post(args):
    intervals = read_forecast(args.forecast)
    spike = {
        "title": args.title,
        "channel": args.channel,
        "timeZone": args.time_zone,
        "intervalMinutes": args.interval_minutes,
        "serviceLevelTarget": args.service_level_target,
        "serviceLevelSeconds": args.service_level_seconds,
        "requiredSkills": args.skill,
        "requiredCertifications": [],
        "outsourcingModel": "ENTERPRISE_ROUTED",
        "reserveRate": {"amountMinor": to_minor(args.reserve, args.currency), "currency": args.currency},
        "biddingClosesAt": args.bidding_closes_at,
        "intervals": intervals,
    }
    # One idempotency key per run of this forecast: a retry after a timeout posts nothing twice.
    key = args.idempotency_key or f"forecast-{uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(spike, sort_keys=True))}"
    posted = gql(POST_SPIKE, {"input": spike, "key": key})["postDemandSpike"]
    if posted["__typename"] != "DemandSpike":
        refused(posted)
    published = gql(PUBLISH_SPIKE, {"id": posted["id"]})["publishDemandSpike"]
    if published["__typename"] != "DemandSpike":
        refused(published)
    print(json.dumps({"spikeId": posted["id"], "status": published["status"], "totalRequiredSeats": posted["totalRequiredSeats"]}))


def plan(args):
    deadline = time.monotonic() + args.wait_seconds
    while True:
        status = gql(SPIKE_STATUS, {"id": args.spike_id})["demandSpike"]["status"]
        if status not in ("DRAFT", "OPEN", "CLOSED", "CANCELLED"):
            break  # AWARDED or later: cleared, so the plan exists
        if status == "CANCELLED" or time.monotonic() > deadline:
            sys.exit(f"spike {args.spike_id} is {status}: no routing plan")
        time.sleep(0.5)
    body, headers = request("GET", f"/exports/routing-plan/{args.spike_id}.csv", accept="text/csv")
    if not headers.get("content-type", "").startswith("text/csv"):
        sys.exit(f"expected text/csv, got {headers.get('content-type')}")
    with open(args.out, "wb") as f:
        f.write(body)
    print(json.dumps({"spikeId": args.spike_id, "routingPlan": args.out, "rows": body.count(b"\n") - 1}))


def main():
    if not API_KEY:
        sys.exit("Set BURST_API_KEY to a BRAND key (a sandbox's bx_test_ key while you try it out).")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("post", help="post and publish a spike from a forecast CSV")
    p.add_argument("forecast")
    p.add_argument("--title", default="Forecast spike")
    p.add_argument("--channel", default="VOICE", choices=["VOICE", "CHAT", "EMAIL"])
    p.add_argument("--time-zone", default="Europe/London")
    p.add_argument("--interval-minutes", type=int, default=30)
    p.add_argument("--service-level-target", type=float, default=0.8)
    p.add_argument("--service-level-seconds", type=int, default=20)
    p.add_argument("--skill", action="append", default=[], help="a required skill (repeatable)")
    p.add_argument("--reserve", required=True, help="reserve rate per seat-hour, e.g. 28.00")
    p.add_argument("--currency", default="GBP")
    p.add_argument("--bidding-closes-at", required=True, help="ISO 8601, before the first interval")
    p.add_argument("--idempotency-key")
    p.set_defaults(run=post)
    q = sub.add_parser("plan", help="wait for clearing and download the routing plan CSV")
    q.add_argument("spike_id")
    q.add_argument("--out", default="routing-plan.csv")
    q.add_argument("--wait-seconds", type=float, default=60)
    q.set_defaults(run=plan)
    args = parser.parse_args()
    try:
        args.run(args)
    except ApiError as e:
        sys.exit(f"API error {e}")


if __name__ == "__main__":
    main()
