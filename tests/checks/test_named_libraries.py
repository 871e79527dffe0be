"""DC510 (checks/named_libraries.py): libraries named in strings (#17 class 13), the table on snippets and the whole
check against wheels on a package index served over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_check, write
from pkgindex import Dist, IndexServer, build_index

from deploycheck.imports.named import needs

# ------------------------------------------------------------------------------------------------ the table


@pytest.mark.parametrize(
    ("code", "want", "certain"),
    [
        ('from bs4 import BeautifulSoup\nBeautifulSoup(html, "lxml")', ((("lxml",),),), True),
        ('import bs4\nbs4.BeautifulSoup(html, features="html5lib")', ((("html5lib",),),), True),
        ('from bs4 import BeautifulSoup\nBeautifulSoup(html, "html.parser")', (), True),
        ("import pandas as pd\npd.read_html(url)", (((("lxml",), ("bs4", "html5lib"))),), True),
        ('import pandas as pd\npd.read_html(url, flavor="bs4")', (((("bs4", "html5lib"),)),), True),
        ('import pandas as pd\npd.read_excel("sales.xlsx")', ((("openpyxl",),),), True),
        ('import pandas as pd\npd.read_excel("old.xls")', ((("xlrd",),),), True),
        ('import pandas\npandas.read_excel(f, engine="odf")', ((("odf",),),), True),
        ("import pandas as pd\npd.read_excel(uploaded)", ((("openpyxl",),),), False),
        ('import pandas as pd\ndf.to_excel("out.xlsx")', (((("openpyxl",), ("xlsxwriter",))),), True),
        ('import pandas as pd\npd.ExcelWriter("o.xlsx", engine="xlsxwriter")', ((("xlsxwriter",),),), True),
        ('import pandas as pd\npd.read_parquet("x.parquet")', (((("pyarrow",), ("fastparquet",))),), True),
        ('import pandas as pd\ndf.to_parquet("x", engine="fastparquet")', ((("fastparquet",),),), True),
        ('import pandas as pd\npd.read_csv("x.csv", engine="pyarrow")', ((("pyarrow",),),), True),
        ('import polars as pl\npl.read_parquet("x.parquet")', (), True),  # polars reads parquet itself
        ('from sqlalchemy import create_engine\ncreate_engine("postgresql://u@h/db")', ((("psycopg2",),),), True),
        (
            'from sqlalchemy import create_engine\ncreate_engine(f"mysql://{user}@h/db")',
            (((("MySQLdb",), ("pymysql",))),),
            True,
        ),
        ('app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://u@h/db"', ((("psycopg2",),),), True),
        (
            'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}',
            (((("psycopg",), ("psycopg2",))),),
            True,
        ),
        ('DATABASES["default"]["ENGINE"] = "django.db.backends.mysql"', (((("MySQLdb",), ("pymysql",))),), True),
        ('s = dict(NAME="x")\ns["ENGINE"] = "django.db.backends.oracle"', (((("oracledb",), ("cx_Oracle",))),), True),
        # A table of backend names (deploycheck's own imports/named.py) loads nothing: only an ENGINE value does.
        ('BACKENDS = {"django.db.backends.postgresql": "psycopg"}', (), True),
        ('NAMES = ["django.db.backends.mysql", "django.db.backends.oracle"]', (), True),
        ('URL = "mysql+pymysql://u:p@host/db"', ((("pymysql",),),), True),
        ('URL = "postgresql+asyncpg://u@h/db"', ((("asyncpg",),),), True),
        ('URL = "postgresql://u@h/db"  # not given to SQLAlchemy here', (), True),
        ('URL = "sqlite:///local.db"', (), True),
        ('import matplotlib\nmatplotlib.use("Agg")', (), True),
        ('import matplotlib\nmatplotlib.use("QtAgg")', ((("PyQt6",), ("PySide6",), ("PyQt5",), ("PySide2",)),), False),
    ],
)
def test_the_table(code: str, want: tuple, certain: bool) -> None:
    found = needs(code)
    assert tuple(n.needs for n in found) == want
    assert all(n.certain is certain and n.line == code.count("\n") + 1 for n in found)


def test_guarded_calls_and_lines() -> None:
    code = 'import pandas as pd\n\ntry:\n    df = pd.read_excel("a.xlsx")\nexcept ImportError:\n    df = None\n'
    (need,) = needs(code)
    assert need.line == 4 and need.guarded and need.what == 'pd.read_excel("a.xlsx")'


def test_credentials_in_urls_are_not_repeated() -> None:
    (need,) = needs('from sqlalchemy import create_engine\ne = create_engine("postgresql://app:hunter2@db/app")\n')
    assert "hunter2" not in need.what and need.what == 'create_engine("postgresql://***@db/app")'


def test_files_without_the_words_are_not_parsed() -> None:
    assert needs("x = (\n") == []  # would be a SyntaxError if it were parsed


# ------------------------------------------------------------------------------------------------ the check

DISTS = [
    Dist("pandas", "2.2.0", ["numpy"], modules={"pandas/__init__.py": ""}),
    Dist("numpy", "2.0.0", modules={"numpy/__init__.py": ""}),
    Dist("beautifulsoup4", "4.12.0", modules={"bs4/__init__.py": ""}),
    Dist("lxml", "5.2.0", modules={"lxml/__init__.py": ""}),
    Dist("openpyxl", "3.1.0", modules={"openpyxl/__init__.py": ""}),
    Dist("pyarrow", "16.0.0", modules={"pyarrow/__init__.py": ""}),
    Dist("sqlalchemy", "2.0.30", modules={"sqlalchemy/__init__.py": ""}),
    Dist("psycopg2-binary", "2.9.9", modules={"psycopg2/__init__.py": ""}),
    Dist("flask", "3.0.3", modules={"flask/__init__.py": ""}),
    Dist("gunicorn", "23.0.0", modules={"gunicorn/__init__.py": ""}),
]


@pytest.fixture(scope="module")
def named_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("named-index")
    build_index(DISTS, root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


APP = """import pandas as pd
from bs4 import BeautifulSoup
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    soup = BeautifulSoup(fetch(), "lxml")
    sales = pd.read_excel("data/sales.xlsx")
    sales.to_parquet("cache.parquet")
    return soup.title.string
"""


def dc510(folder: Path, index: str) -> tuple[int, list[dict]]:
    code, report = run_check(folder, "--select", "DC510", "--python-version", "3.12", "--index-url", index)
    assert report["problems"] == [], report["problems"]
    return code, [f for f in report["findings"] if f["code"] == "DC510"]


def test_libraries_named_in_strings_that_nothing_installs(named_index: str, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: gunicorn app:app\n",
            "requirements.txt": "flask\ngunicorn\npandas\nbeautifulsoup4\n",
            "app.py": APP,
        },
    )
    code, findings = dc510(folder, named_index)
    got = {(f["line"], f["severity"]) for f in findings}
    assert got == {(10, "error"), (11, "error"), (12, "error")}, findings
    by_line = {f["line"]: f for f in findings}
    assert "lxml" in by_line[10]["message"] and by_line[10]["fix"] == "add `lxml` to requirements.txt"
    assert "openpyxl" in by_line[11]["message"]
    assert "pyarrow or fastparquet" in by_line[12]["message"]
    assert code == 1
    # Declared (or installed as a dependency): nothing to say.
    (folder / "requirements.txt").write_text("flask\ngunicorn\npandas\nbeautifulsoup4\nlxml\nopenpyxl\npyarrow\n")
    assert dc510(folder, named_index) == (0, [])


def test_severity_follows_reach_and_certainty(named_index: str, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: gunicorn app:app\n",
            "requirements.txt": "flask\ngunicorn\npandas\n",
            "app.py": "import pandas as pd\nfrom flask import Flask, request\napp = Flask(__name__)\n"
            "def upload():\n    return pd.read_excel(request.files['f'])\n",
            "scripts/export.py": 'import pandas as pd\npd.DataFrame().to_excel("report.xlsx")\n',
        },
    )
    code, findings = dc510(folder, named_index)
    got = {(f["path"], f["severity"]) for f in findings}
    assert got == {("app.py", "warning"), ("scripts/export.py", "info")}, findings
    assert code == 0


def test_sqlalchemy_urls(named_index: str, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "sqlalchemy\n",
            "db.py": 'from sqlalchemy import create_engine\nengine = create_engine("postgresql://app@db/app")\n',
        },
    )
    code, findings = dc510(folder, named_index)
    (finding,) = findings
    assert finding["line"] == 2 and finding["severity"] == "error" and "psycopg2-binary" in finding["fix"]
    assert code == 1
    (folder / "requirements.txt").write_text("sqlalchemy\npsycopg2-binary\n")
    assert dc510(folder, named_index) == (0, [])
