"""Salesforce CRM sync: the studio's users, projects, credits and publications kept in step with
Salesforce (Contacts, AI_Project__c, AI_Credit__c, YouTube_Integration__c), and credit grants
made there applied here.

- `mapping.py`: the one table of what goes where (objects, fields, parents first).
- `auth.py`: the OAuth 2.0 JWT bearer flow of an External Client App.
- `client.py`: sObject Collections upserts and SOQL through simple-salesforce, with retries.
- `sync.py`: drain the outbox (db/outbox.py notes changes) and apply grants made in Salesforce.
- `worker.py`: the Ray actor that runs the sync beside the job supervisor.
- `salesforce/`: the Salesforce DX metadata an admin deploys (`sf project deploy start`).
"""
