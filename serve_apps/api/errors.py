"""Refusals in one shape: 4xx with `detail` naming the field, as FastAPI's validation does.

{"detail": [{"loc": ["body", "duration"], "msg": "duration 3 s is outside 4–300 s",
             "type": "input_error"}]}
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from pipelines.errors import InputError


def field_error(
    field: str, message: str, location: str = "body", kind: str = "input_error"
) -> list[dict]:
    return [{"loc": [location, *field.split(".")], "msg": message, "type": kind}]


async def input_error_handler(request: Request, exc: InputError) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": field_error(exc.field, exc.message)},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(InputError, input_error_handler)
