"""API: where my data lives, what is held, and who accessed it."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from townhall.accounts.api_auth import AuthedRequest
from townhall.apikit.errors import error_responses
from townhall.audit.records import my_data
from townhall.regions.selectors import region_summary

from .schemas import RegionOut

router = Router(tags=["my data"])


class CategoryOut(Schema):
    name: str
    records: int


class AccessOut(Schema):
    at: dt.datetime
    region: str
    actor: str
    purpose: str
    purpose_label: str
    reference: str
    outcome: str
    reason: str


class MyDataOut(Schema):
    region: RegionOut
    categories: list[CategoryOut]
    access_log: list[AccessOut]


@router.get(
    "/me/data",
    response={200: MyDataOut, **error_responses(401, 503)},
    operation_id="my_data_get",
    summary="Where my protected data lives, what is held, and every access by anyone else",
)
def me_data(request: AuthedRequest) -> MyDataOut:
    data = my_data(account=request.auth)
    return MyDataOut(
        region=RegionOut(**region_summary(data.region)),
        categories=[CategoryOut(name=k, records=v) for k, v in data.categories.items()],
        access_log=[AccessOut(**vars(a)) for a in data.accesses],
    )
