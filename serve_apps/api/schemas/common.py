"""Shapes shared by every area: pages of results."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class Out(BaseModel):
    """A response read straight from an ORM row."""

    model_config = ConfigDict(from_attributes=True)
