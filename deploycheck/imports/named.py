"""Libraries that code names in strings rather than imports (issue #17, class 13; the DC510 check): a parser, an
engine or a database driver that pandas, BeautifulSoup, SQLAlchemy or matplotlib import by name at run time, so
that no `import` statement shows it. Pure analysis: each file is read capped and parsed only when a cheap text
search finds one of the calls below; what is installed is the check's question.

The table (as of 2026-12, from each library's documentation; docs/codes.md DC510 has it too):

- `BeautifulSoup(html, "lxml")` (`"xml"`, `"lxml-xml"`): lxml; `"html5lib"`: html5lib;
- `pd.read_html(...)`: lxml, or beautifulsoup4 and html5lib (`flavor=` chooses);
- `pd.read_excel("x.xlsx")`: openpyxl (`.xls` xlrd, `.ods` odfpy, `.xlsb` pyxlsb; `engine=` chooses);
- `df.to_excel(...)`, `pd.ExcelWriter(...)`: openpyxl or XlsxWriter (`.ods` odfpy; `engine=` chooses);
- `pd.read_parquet`, `df.to_parquet`: pyarrow or fastparquet; `pd.read_csv(..., engine="pyarrow")`: pyarrow;
- `"postgresql+psycopg2://"` and every `dialect+driver://` string: that driver;
- `create_engine("postgresql://...")`, `"mysql://"`, or such a URL as SQLALCHEMY_DATABASE_URI: psycopg2,
  mysqlclient or PyMySQL (SQLAlchemy's defaults; PyMySQL can stand in for MySQLdb);
- Django's `"ENGINE": "django.db.backends.postgresql"` (`mysql`, `oracle`): psycopg or psycopg2 (mysqlclient or
  PyMySQL, oracledb or cx_Oracle);
- `matplotlib.use("QtAgg")`, GTK and wx backends: a Qt binding, PyGObject, wxPython.

A need is `certain` when the call says exactly what it loads (a literal engine, file suffix or URL); an Excel file
whose name is not a literal, and a GUI backend (which also needs a display), are not.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from deploycheck.imports.classify import catches_import_error

# Cheap text search first: only files that mention one of these are parsed.
TRIGGER = re.compile(
    r"(?:BeautifulSoup|read_html|read_excel|to_excel|ExcelWriter|read_parquet|to_parquet)\s*\(|engine\s*=\s*[\"']|"
    r"create_(?:async_)?engine\s*\(\s*f?[\"']|(?:postgresql|mysql|mariadb|mssql|oracle|sqlite)\+\w+://|"
    r"SQLALCHEMY_DATABASE_URI|django\.db\.backends\.|"
    r"\.use\s*\(\s*[\"']"
)
DISTRIBUTION = {  # module -> the distribution a fix names
    "lxml": "lxml",
    "html5lib": "html5lib",
    "bs4": "beautifulsoup4",
    "openpyxl": "openpyxl",
    "xlrd": "xlrd",
    "odf": "odfpy",
    "pyxlsb": "pyxlsb",
    "python_calamine": "python-calamine",
    "xlsxwriter": "XlsxWriter",
    "pyarrow": "pyarrow",
    "fastparquet": "fastparquet",
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary]",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "pymysql": "PyMySQL",
    "MySQLdb": "mysqlclient",
    "mysql.connector": "mysql-connector-python",
    "aiomysql": "aiomysql",
    "asyncmy": "asyncmy",
    "pyodbc": "pyodbc",
    "pymssql": "pymssql",
    "cx_Oracle": "cx-Oracle",
    "oracledb": "oracledb",
    "aiosqlite": "aiosqlite",
    "PyQt6": "PyQt6",
    "PyQt5": "PyQt5",
    "PySide6": "PySide6",
    "PySide2": "PySide2",
    "gi": "PyGObject",
    "wx": "wxPython",
}
_ENGINES = {
    "openpyxl": "openpyxl",
    "xlrd": "xlrd",
    "odf": "odf",
    "pyxlsb": "pyxlsb",
    "calamine": "python_calamine",
    "xlsxwriter": "xlsxwriter",
    "pyarrow": "pyarrow",
    "fastparquet": "fastparquet",
}
_EXCEL_READ = {".xlsx": "openpyxl", ".xlsm": "openpyxl", ".xls": "xlrd", ".ods": "odf", ".xlsb": "pyxlsb"}
_SOUP = {"lxml": "lxml", "lxml-xml": "lxml", "xml": "lxml", "html5lib": "html5lib"}
_DRIVERS = {
    "psycopg2": "psycopg2",
    "psycopg": "psycopg",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "pymysql": "pymysql",
    "mysqldb": "MySQLdb",
    "mysqlconnector": "mysql.connector",
    "aiomysql": "aiomysql",
    "asyncmy": "asyncmy",
    "pyodbc": "pyodbc",
    "pymssql": "pymssql",
    "cx_oracle": "cx_Oracle",
    "oracledb": "oracledb",
    "aiosqlite": "aiosqlite",
}
# SQLAlchemy's default driver per dialect; `pymysql.install_as_MySQLdb()` makes PyMySQL answer for MySQLdb.
_DEFAULT_DRIVERS: dict[str, Alternatives] = {
    "postgresql": (("psycopg2",),),
    "mysql": (("MySQLdb",), ("pymysql",)),
    "mariadb": (("MySQLdb",), ("pymysql",)),
}
_DJANGO_ENGINES: dict[str, Alternatives] = {  # DATABASES' ENGINE: the driver Django imports for it
    "django.db.backends.postgresql": (("psycopg",), ("psycopg2",)),
    "django.db.backends.postgresql_psycopg2": (("psycopg2",),),
    "django.db.backends.mysql": (("MySQLdb",), ("pymysql",)),
    "django.db.backends.oracle": (("oracledb",), ("cx_Oracle",)),
}
_URI_KEYS = ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_BINDS")
Alternatives = tuple[tuple[str, ...], ...]  # any one of these sets of modules, each set wholly
_USERINFO = re.compile(r"(://)[^/@\s'\"]*@")
_URL = re.compile(r"^(postgresql|mysql|mariadb|mssql|oracle|sqlite)(?:\+(\w+))?://")
_QT = (("PyQt6",), ("PySide6",), ("PyQt5",), ("PySide2",))
_BACKENDS = {"qt": _QT, "gtk": (("gi",),), "wx": (("wx",),)}
_ENGINE_CALLS = {"read_csv", "read_json", "read_orc"}


@dataclass(frozen=True)
class Need:
    line: int
    what: str  # the code, shortened: `pd.read_excel("data.xlsx")`
    needs: Alternatives
    certain: bool
    guarded: bool  # inside try/except ImportError (or Exception): the author expected it may fail


def needs(source: str) -> list[Need]:
    """What the source's calls load by name. SyntaxError/ValueError/RecursionError propagate (DC504's business)."""
    if not TRIGGER.search(source):
        return []
    tree = ast.parse(source)
    finder = _Finder(source, _pandas_names(tree))
    finder.visit(tree)
    return list({(n.line, n.needs): n for n in finder.found}.values())


def _pandas_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.asname or a.name for a in node.names if a.name == "pandas")
        elif isinstance(node, ast.ImportFrom) and node.module == "pandas":
            names.update(a.asname or a.name for a in node.names)
    return names


class _Finder(ast.NodeVisitor):
    def __init__(self, source: str, pandas: set[str]) -> None:
        self.source = source
        self.pandas = pandas
        self.guarded = 0
        self.found: list[Need] = []
        self.engine_urls: set[int] = set()  # ids of strings passed to create_engine

    def visit_Try(self, node: ast.Try) -> None:
        guard = any(catches_import_error(h) for h in node.handlers)
        self.guarded += guard
        for stmt in node.body:
            self.visit(stmt)
        self.guarded -= guard
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(part)

    def _add(self, node: ast.AST, needs: Alternatives, certain: bool = True) -> None:
        text = " ".join((ast.get_source_segment(self.source, node) or ast.unparse(node)).split())
        text = _USERINFO.sub(r"\1***@", text)  # a database URL's user and password are never repeated
        text = text if len(text) <= 80 else text[:77] + "..."
        self.found.append(Need(getattr(node, "lineno", 0), text, needs, certain, self.guarded > 0))

    def visit_Call(self, node: ast.Call) -> None:
        name, receiver = _called(node.func)
        engine = _keyword(node, "engine")
        if name == "BeautifulSoup":
            features = _keyword(node, "features") or (_literal(node.args[1]) if len(node.args) > 1 else None)
            if features in _SOUP:
                self._add(node, ((_SOUP[features],),))
        elif name in ("create_engine", "create_async_engine") and node.args:
            self._url(node, _leading(node.args[0]), default=True)
            self.engine_urls.add(id(node.args[0]))
        elif name == "use" and receiver in ("matplotlib", "mpl") and node.args:
            backend = (_literal(node.args[0]) or "").lower()
            kind = next((k for k in _BACKENDS if backend.startswith(k)), None)
            if kind:
                self._add(node, _BACKENDS[kind], certain=False)
        elif self._pandas_call(name, receiver):
            self._pandas(node, name, engine)
        self.generic_visit(node)

    def _pandas_call(self, name: str, receiver: str | None) -> bool:
        if name in ("to_excel", "to_parquet"):
            return bool(self.pandas)  # a DataFrame method: any receiver, in a file that uses pandas
        if name in ("read_html", "read_excel", "ExcelWriter", "read_parquet", *_ENGINE_CALLS):
            return receiver in self.pandas if receiver else name in self.pandas
        return False

    def _pandas(self, node: ast.Call, name: str, engine: str | None) -> None:
        if engine is not None:
            if engine in _ENGINES:
                self._add(node, ((_ENGINES[engine],),))
            return
        target = _literal(node.args[0]) if node.args else _keyword(node, "io") or _keyword(node, "path")
        suffix = ("." + target.rsplit(".", 1)[-1].lower()) if target and "." in target else None
        if name == "read_html":
            flavor = _keyword(node, "flavor")
            both = ("bs4", "html5lib")
            parsers: Alternatives = (("lxml",), both)  # pandas tries lxml, then BeautifulSoup with html5lib
            if flavor == "lxml":
                parsers = (("lxml",),)
            elif flavor in ("bs4", "html5lib"):
                parsers = (both,)
            self._add(node, parsers)
        elif name == "read_excel":
            self._add(node, ((_EXCEL_READ.get(suffix or "", "openpyxl"),),), certain=suffix in _EXCEL_READ)
        elif name in ("to_excel", "ExcelWriter"):
            writers = (("odf",),) if suffix == ".ods" else (("openpyxl",), ("xlsxwriter",))
            self._add(node, writers, certain=suffix in (".xlsx", ".ods"))
        elif name in ("read_parquet", "to_parquet"):
            self._add(node, (("pyarrow",), ("fastparquet",)))

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str):
            return
        if "+" in node.value[:20] and id(node) not in self.engine_urls:
            self._url(node, node.value, default=False)

    def visit_Assign(self, node: ast.Assign) -> None:
        """`SQLALCHEMY_DATABASE_URI = "postgresql://..."` (Flask-SQLAlchemy's config key, as a name or a key), and
        `DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"`."""
        for target in node.targets:
            key = target.slice if isinstance(target, ast.Subscript) else target
            name = _literal(key) if isinstance(key, ast.Constant) else getattr(key, "id", None)
            if name in _URI_KEYS:
                self._url(node.value, _leading(node.value), default=True)
                self.engine_urls.add(id(node.value))
            elif name == "ENGINE":
                self._django_engine(node.value)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        """Django's DATABASES entry, `{"ENGINE": "django.db.backends.postgresql", ...}`: only as the ENGINE value
        is the string the backend Django imports (a table of such names, as deploycheck's own, loads nothing)."""
        for key, value in zip(node.keys, node.values):
            if key is not None and _literal(key) == "ENGINE":
                self._django_engine(value)
        self.generic_visit(node)

    def _django_engine(self, value: ast.expr) -> None:
        engine = _literal(value)
        if engine in _DJANGO_ENGINES:
            self._add(value, _DJANGO_ENGINES[engine])

    def _url(self, node: ast.AST, url: str | None, *, default: bool) -> None:
        m = _URL.match(url or "")
        if not m:
            return
        dialect, driver = m.group(1), (m.group(2) or "").lower()
        if driver in _DRIVERS:
            self._add(node, ((_DRIVERS[driver],),))
        elif not driver and default and dialect in _DEFAULT_DRIVERS:
            self._add(node, _DEFAULT_DRIVERS[dialect])


def _called(func: ast.expr) -> tuple[str, str | None]:
    """(the called name, the dotted receiver or None): `pd.read_excel` -> ("read_excel", "pd")."""
    if isinstance(func, ast.Name):
        return func.id, None
    if isinstance(func, ast.Attribute):
        receiver = func.value
        parts = []
        while isinstance(receiver, ast.Attribute):
            parts.append(receiver.attr)
            receiver = receiver.value
        base = receiver.id if isinstance(receiver, ast.Name) else "?"
        return func.attr, ".".join([base, *reversed(parts)])
    return "", None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _leading(node: ast.expr) -> str | None:
    """A string literal, or the literal start of an f-string (`f"postgresql://{user}@..."`)."""
    if isinstance(node, ast.JoinedStr) and node.values:
        return _literal(node.values[0]) if isinstance(node.values[0], ast.Constant) else None
    return _literal(node)


def _keyword(node: ast.Call, name: str) -> str | None:
    return next((_literal(k.value) for k in node.keywords if k.arg == name), None)
