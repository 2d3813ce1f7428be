"""A fake Salesforce on loopback and a studio database whose changes go to the CRM outbox."""

from __future__ import annotations

import pytest

from tests.utils.fake_salesforce import FakeSalesforce
from tests.utils.platform import make_settings


@pytest.fixture
def salesforce(tmp_path):
    fake = FakeSalesforce(tmp_path)
    yield fake
    fake.close()


@pytest.fixture
def crm_settings(tmp_path, database_url, keys_dir, salesforce):
    from db.migrate import upgrade

    upgrade(database_url)
    return make_settings(tmp_path, database_url, keys_dir, **salesforce.settings())


@pytest.fixture
def studio_db(crm_settings):
    from db.session import Database

    db = Database.from_settings(crm_settings)
    yield db
    db.dispose()


@pytest.fixture
def crm_client(crm_settings):
    from crm.client import Client

    return Client(crm_settings)
