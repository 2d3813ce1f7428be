"""The one error type users see for bad input.

Every refusal names the field and the limit in one line; the CLI turns it into exit code 2,
the API into a 4xx.
"""


class InputError(ValueError):
    """Bad user input. `field` is the request field at fault (e.g. "duration", "images[2]")."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
