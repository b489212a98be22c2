"""One typed reader for the environment, so that a bad value fails at start-up with a clear
message instead of surfacing later as an obscure error."""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def _raw(self, name: str) -> str | None:
        value = self.environ.get(name)
        return None if value is None else value.strip()

    def _fail(self, name: str, value: str, expected: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"Environment variable {name}={value!r}: expected {expected}.")

    def str(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self._raw(name)
        if value is None or value == "":
            if required:
                raise ImproperlyConfigured(f"Environment variable {name} is required.")
            return "" if default is None else default
        return value

    def bool(self, name: builtins.str, default: bool = False) -> bool:
        value = self._raw(name)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise self._fail(name, value, "a boolean (1/0, true/false, yes/no, on/off)")

    def int(self, name: builtins.str, default: int, *, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise self._fail(name, value, "an integer") from None
        if minimum is not None and number < minimum:
            raise self._fail(name, value, f"an integer >= {minimum}")
        return number

    def list(
        self, name: builtins.str, default: list[builtins.str] | None = None
    ) -> list[builtins.str]:
        value = self._raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(
        self, name: builtins.str, choices: tuple[builtins.str, ...], default: builtins.str
    ) -> builtins.str:
        value = self._raw(name)
        if value is None or value == "":
            return default
        if value not in choices:
            raise self._fail(name, value, "one of " + ", ".join(choices))
        return value
