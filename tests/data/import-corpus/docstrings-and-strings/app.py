"""Usage:

import notarealmodule
from nowhere import nothing
"""
import flask

SQL = """
select *
from users import
"""


def f():
    """
import alsonotreal
"""
    import json
    return json
