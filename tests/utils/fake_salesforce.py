"""A fake Salesforce REST API over HTTPS on loopback, for the real simple-salesforce client.

simple-salesforce only speaks https, so the fake serves a throwaway certificate from a `trustme`
CA (the studio is pointed at the CA with `salesforce_ca_bundle`). It speaks what the sync uses:

- the OAuth 2.0 JWT bearer token endpoint (the assertion's signature, iss, sub, aud and exp are
  checked against the test's key);
- sObject Collections upsert by external id (`PATCH …/composite/sobjects/{type}/Studio_Id__c`),
  with Salesforce's rules: ≤ 200 records, each succeeds or fails alone, a parent referenced by
  external id (`Contact__r`, `Project__r`) must exist, and a validation rule (a Name containing
  "INVALID" fails with FIELD_CUSTOM_VALIDATION_EXCEPTION);
- the one SOQL query the sync makes (new grants of AI_Credit__c) and a record update by id.

Faults a test can inject: fail every Nth request (503, REQUEST_LIMIT_EXCEEDED or a dropped
connection), lock rows (UNABLE_TO_LOCK_ROW per record), expire the session.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import ssl
import threading
import urllib.parse
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "3MVG9fake.consumer.key"
USERNAME = "integration@studio.test"
VERSION = "67.0"
PARENTS = {"Contact__r": "Contact", "Project__r": "AI_Project__c"}


class FakeSalesforce:
    def __init__(self, tmp: Path) -> None:
        self.lock = threading.Lock()
        self.records: dict[tuple[str, str], dict] = {}  # (type, Studio_Id__c) → fields
        self.by_id: dict[str, tuple[str, str]] = {}  # Salesforce id → (type, external id)
        self.upserts: Counter = Counter()  # (type, external id) → times upserted
        self.requests: list[str] = []  # "METHOD path" of every data call
        self.tokens: set[str] = set()
        self.fail_every = 0  # every Nth data request fails with `fail_with`
        self.fail_with = "503"  # "503", "limit" or "drop"
        self.locked: set[str] = set()  # external ids answered UNABLE_TO_LOCK_ROW (once each)
        self._count = itertools.count(1)
        self._ids = itertools.count(1)

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_path = tmp / "salesforce.key"
        self.key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.public_key = key.public_key()
        ca = trustme.CA()
        self.ca_path = tmp / "salesforce-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict:
        """The studio settings that point the sync at this fake."""
        return {
            "salesforce_client_id": CLIENT_ID,
            "salesforce_username": USERNAME,
            "salesforce_private_key_path": self.key_path,
            "salesforce_login_url": self.url,
            "salesforce_ca_bundle": self.ca_path,
            "salesforce_retry_base_s": 0.01,
            "salesforce_timeout_s": 5.0,
        }

    # --- what a test reads and does --------------------------------------------------------

    def of_type(self, sobject: str) -> dict[str, dict]:
        with self.lock:
            return {ext: rec for (kind, ext), rec in self.records.items() if kind == sobject}

    def add_grant(self, user_id: str, amount: int) -> str:
        """A sales rep grants credits: an AI_Credit__c of kind grant made in Salesforce."""
        with self.lock:
            salesforce_id = f"a01{next(self._ids):015d}"
            key = ("AI_Credit__c", f"sf:{salesforce_id}")
            self.records[key] = {
                "Id": salesforce_id,
                "Kind__c": "grant",
                "Amount__c": amount,
                "Applied__c": False,
                "Contact__r": {"Studio_Id__c": user_id},
                "SystemModstamp": _now(),
            }
            self.by_id[salesforce_id] = key
            return salesforce_id

    def expire_sessions(self) -> None:
        with self.lock:
            self.tokens.clear()

    # --- the protocol ----------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, dict]:
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(
                form.get("assertion", ""), self.public_key, algorithms=["RS256"], audience=self.url
            )
        except jwt.PyJWTError as error:
            return 400, {"error": "invalid_grant", "error_description": str(error)}
        if claims.get("iss") != CLIENT_ID or claims.get("sub") != USERNAME:
            return 400, {"error": "invalid_grant", "error_description": "user hasn't approved"}
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.add(token)
        return 200, {"access_token": token, "instance_url": self.url, "token_type": "Bearer"}

    def upsert(self, sobject: str, body: dict) -> tuple[int, object]:
        records = body.get("records", [])
        if len(records) > 200:
            return 400, [{"errorCode": "EXCEEDED_ID_LIMIT", "message": "more than 200 records"}]
        results = []
        with self.lock:
            for record in records:
                external = record.get("Studio_Id__c")
                results.append(self._upsert_one(sobject, external, record))
        return 200, results

    def _upsert_one(self, sobject: str, external: str, record: dict) -> dict:
        if external in self.locked:
            self.locked.discard(external)
            return _error("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record")
        if "INVALID" in str(record.get("Name", "")):
            return _error("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Name may not contain INVALID")
        for relation, parent in PARENTS.items():
            ref = record.get(relation)
            if ref and (parent, ref["Studio_Id__c"]) not in self.records:
                return _error(
                    "INVALID_FIELD",
                    f"Foreign key external ID: {ref['Studio_Id__c']} not found for field "
                    f"Studio_Id__c in entity {parent}",
                )
        key = (sobject, external)
        created = key not in self.records
        fields = {k: v for k, v in record.items() if k != "attributes"}
        current = self.records.setdefault(key, {"Id": f"a02{next(self._ids):015d}"})
        current.update(fields, SystemModstamp=_now())
        self.by_id[current["Id"]] = key
        self.upserts[key] += 1
        return {"id": current["Id"], "success": True, "errors": [], "created": created}

    def query(self, soql: str) -> tuple[int, dict]:
        match = re.search(r"FROM AI_Credit__c WHERE Kind__c = 'grant' AND Applied__c = false", soql)
        if not match:
            return 400, [{"errorCode": "MALFORMED_QUERY", "message": "the fake knows one query"}]
        since = re.search(r"SystemModstamp >= (\S+)", soql)
        with self.lock:
            rows = [
                {"attributes": {"type": "AI_Credit__c"}, **rec}
                for (kind, _), rec in self.records.items()
                if kind == "AI_Credit__c"
                and rec.get("Kind__c") == "grant"
                and rec.get("Applied__c") is False
                and (since is None or rec["SystemModstamp"] >= since.group(1))
            ]
        rows.sort(key=lambda r: r["SystemModstamp"])
        return 200, {"totalSize": len(rows), "done": True, "records": rows}

    def update(self, sobject: str, salesforce_id: str, fields: dict) -> tuple[int, object]:
        with self.lock:
            key = self.by_id.get(salesforce_id)
            if key is None or key[0] != sobject:
                return 404, [
                    {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
                ]
            self.records[key].update(fields, SystemModstamp=_now())
        return 204, None

    def fault(self) -> str | None:
        """The fault this data request gets, if any."""
        n = next(self._count)
        if self.fail_every and n % self.fail_every == 0:
            return self.fail_with
        return None


def _error(code: str, message: str) -> dict:
    return {"success": False, "errors": [{"statusCode": code, "message": message, "fields": []}]}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _handler(fake: FakeSalesforce):
    data = f"/services/data/v{VERSION}/"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, body: object = None) -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_POST(self) -> None:
            if self.path == "/services/oauth2/token":
                form = dict(urllib.parse.parse_qsl(self._body().decode()))
                self._send(*fake.token(form))
            else:
                self._send(404, [{"errorCode": "NOT_FOUND", "message": self.path}])

        def _data(self, method: str) -> None:
            url = urllib.parse.urlsplit(self.path)
            body = self._body()
            if not url.path.startswith(data):
                return self._send(404, [{"errorCode": "NOT_FOUND", "message": url.path}])
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in fake.tokens:
                return self._send(401, [{"errorCode": "INVALID_SESSION_ID", "message": "expired"}])
            path = url.path[len(data) :]
            with fake.lock:
                fake.requests.append(f"{method} {path}")
            fault = fake.fault()
            if fault == "drop":
                self.connection.shutdown(2)
                self.close_connection = True
                return None
            if fault == "503":
                return self._send(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "busy"}])
            if fault == "limit":
                return self._send(
                    403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests"}]
                )
            parts = path.strip("/").split("/")
            if method == "PATCH" and parts[:2] == ["composite", "sobjects"] and len(parts) == 4:
                return self._send(*fake.upsert(parts[2], json.loads(body)))
            if method == "PATCH" and parts[0] == "sobjects" and len(parts) == 3:
                return self._send(*fake.update(parts[1], parts[2], json.loads(body)))
            if method == "GET" and parts == ["query"]:
                q = urllib.parse.parse_qs(url.query).get("q", [""])[0]
                return self._send(*fake.query(q))
            return self._send(404, [{"errorCode": "NOT_FOUND", "message": path}])

        def do_PATCH(self) -> None:
            self._data("PATCH")

        def do_GET(self) -> None:
            self._data("GET")

    return Handler
