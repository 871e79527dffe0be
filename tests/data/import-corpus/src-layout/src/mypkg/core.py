import requests

from . import settings
from .db import engine


def run():
    return requests.get(settings.URL)
