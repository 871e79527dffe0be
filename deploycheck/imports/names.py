"""Well-known import names that differ from the distribution that installs them (as of 2026-12, read from each
project's wheels on PyPI). Used only where a declared requirement's own metadata cannot be read (its pin is not on
the index, an sdist-only release, a URL requirement): `import cv2` then belongs to a declared
opencv-python-headless rather than to nobody (issue #17, class 2). When metadata can be read, it decides."""

from __future__ import annotations

from packaging.utils import NormalizedName, canonicalize_name

_TABLE: dict[str, tuple[str, ...]] = {
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"),
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "PIL": ("pillow", "Pillow-SIMD"),
    "yaml": ("PyYAML",),
    "bs4": ("beautifulsoup4",),
    "dotenv": ("python-dotenv",),
    "jwt": ("PyJWT",),
    "jose": ("python-jose",),
    "dateutil": ("python-dateutil",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "fitz": ("PyMuPDF",),
    "magic": ("python-magic",),
    "multipart": ("python-multipart",),
    "slugify": ("python-slugify",),
    "telegram": ("python-telegram-bot",),
    "discord": ("discord.py", "py-cord"),
    "Crypto": ("pycryptodome", "pycrypto"),
    "serial": ("pyserial",),
    "attr": ("attrs",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "psycopg": ("psycopg", "psycopg-binary"),
    "MySQLdb": ("mysqlclient",),
    "OpenSSL": ("pyOpenSSL",),
    "git": ("GitPython",),
    "googleapiclient": ("google-api-python-client",),
    "google.protobuf": ("protobuf",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel"),
    "zmq": ("pyzmq",),
    "wx": ("wxPython",),
    "gi": ("PyGObject",),
    "win32api": ("pywin32",),
    "pkg_resources": ("setuptools",),
    "Levenshtein": ("python-Levenshtein", "levenshtein"),
    "sentence_transformers": ("sentence-transformers",),
    "odf": ("odfpy",),
    "python_calamine": ("python-calamine",),
}
WELL_KNOWN: dict[str, frozenset[NormalizedName]] = {
    module: frozenset(canonicalize_name(d) for d in dists) for module, dists in _TABLE.items()
}


def distributions(dotted: str) -> frozenset[NormalizedName]:
    """The distributions known to install a module (longest dotted prefix first); empty when none is known."""
    parts = dotted.split(".")
    for depth in range(len(parts), 0, -1):
        found = WELL_KNOWN.get(".".join(parts[:depth]))
        if found:
            return found
    return frozenset()
