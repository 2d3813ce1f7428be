"""Alembic migrations of the platform database (a package so installs carry it)."""
