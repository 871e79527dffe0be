import re


def slug(s):
    return re.sub('x', '', s)
