try:
    import ujson as json
except ImportError:
    import json

try:
    import orjson
except ModuleNotFoundError:
    orjson = None

from contextlib import suppress

with suppress(ImportError):
    import uvloop

try:
    from rich import print
except Exception:
    pass

import flask
