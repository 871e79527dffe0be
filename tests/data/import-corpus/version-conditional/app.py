import sys

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

if sys.version_info[:2] < (3, 9):
    from backports.zoneinfo import ZoneInfo
else:
    from zoneinfo import ZoneInfo

with open('config.toml', 'rb') as f:
    CONFIG = tomllib.load(f)
