from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
