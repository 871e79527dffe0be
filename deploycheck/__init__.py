"""deploycheck: will this Python app deploy the way it ran for you?"""

__version__ = "0.1.0"
