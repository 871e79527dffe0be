import os

URL = os.environ.get('URL', '')
