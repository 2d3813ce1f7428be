"""Salesforce through simple-salesforce: sObject Collections upserts, SOQL, and retries.

simple-salesforce has no Collections method and no retries, so both are here: `upsert` sends up
to 200 records in one `PATCH composite/sobjects/{type}/{external id}` (allOrNone false: each
record succeeds or fails alone), and every call is retried on what passes — 503 and other 5xx,
`REQUEST_LIMIT_EXCEEDED`, timeouts and dropped connections — with exponential backoff and full
jitter, and after an expired session with a fresh login.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from crm import auth
from crm.mapping import EXTERNAL_ID
from infra.settings import Settings

# Per-record error codes worth another try (the rest are the record's own fault).
RETRYABLE_CODES = {"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE"}


class Unavailable(RuntimeError):
    """Salesforce kept failing for passing reasons; try the whole batch again later."""


def retryable(error: SalesforceError) -> bool:
    body = error.content if isinstance(error.content, list) else [error.content]
    codes = {item.get("errorCode") for item in body if isinstance(item, dict)}
    return error.status >= 500 or bool(codes & RETRYABLE_CODES)


class Client:
    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.sleep = sleep
        self.http = requests.Session()
        self.requests = 0  # calls made, for the sync's measures
        self._sf: Salesforce | None = None

    def _salesforce(self) -> Salesforce:
        if self._sf is None:
            session = auth.login(self.settings, self.http)
            self._sf = Salesforce(
                instance_url=session.instance_url,
                session_id=session.access_token,
                version=self.settings.salesforce_api_version,
                session=self.http,
            )
        return self._sf

    def call(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        """One REST call, retried while Salesforce fails for passing reasons."""
        for attempt in range(self.settings.salesforce_retry_max):
            try:
                self.requests += 1
                return self._salesforce().restful(
                    path,
                    method=method,
                    timeout=self.settings.salesforce_timeout_s,
                    verify=auth.verify(self.settings),
                    **kwargs,
                )
            except SalesforceExpiredSession:
                self._sf = None  # log in again
            except SalesforceError as error:
                if not retryable(error):
                    raise
            except (requests.ConnectionError, requests.Timeout):
                self._sf = None
            self.sleep(random.uniform(0, self.settings.salesforce_retry_base_s * 2**attempt))
        raise Unavailable(f"Salesforce did not answer {method} {path} after retries")

    def upsert(self, sobject: str, records: list[dict]) -> list[dict]:
        """Results in the records' order: {success, errors: [{statusCode, message}], id}."""
        return self.call(
            f"composite/sobjects/{sobject}/{EXTERNAL_ID}",
            method="PATCH",
            json={"allOrNone": False, "records": records},
        )

    def query(self, soql: str) -> list[dict]:
        result = self.call("query/", params={"q": soql})
        records = list(result["records"])
        while not result.get("done", True):
            path = result["nextRecordsUrl"].split(f"/v{self.settings.salesforce_api_version}/")[1]
            result = self.call(path)
            records += result["records"]
        return records

    def update(self, sobject: str, record_id: str, fields: dict) -> None:
        self.call(f"sobjects/{sobject}/{record_id}", method="PATCH", json=fields)
