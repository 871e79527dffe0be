"""conda-forge package names that differ from their PyPI names: conda name -> (PyPI name, import name).

Vendored from grayskull 3.2.0 (2026-09-04; conda/grayskull, Apache-2.0, licence in GRAYSKULL-LICENSE beside
this file), `grayskull/strategy/config.yaml`: its PyPI -> conda-forge exceptions, inverted, only the
entries whose names differ (104 of 141). Every other conda package is assumed to carry its PyPI name
(PEP 503-normalised), as grayskull assumes. A table rather than a dependency: grayskull pulls in a dozen
packages (requests, rapidfuzz, ruamel.yaml, conda-souschef, ...) for a 10 KB data file, and
conda-forge-metadata fetches its mapping over the network at run time, which the action must not need.
To update: take config.yaml from a newer grayskull wheel and regenerate the rows (conda_forge != key).
"""

from __future__ import annotations

CONDA_TO_PYPI: dict[str, tuple[tuple[str, str], ...]] = {
    "arrakis-python": (("arrakis", "arrakis"),),
    "ascii-art": (("art", "art"),),
    "bilby_pipe": (("bilby-pipe", "bilby_pipe"),),
    "boruta_py": (("boruta", "boruta"),),
    "cockroachdb-python": (("cockroachdb", "cockroachdb"),),
    "cython-blis": (("blis", "blis"),),
    "dask-core": (("dask", "dask"),),
    "datadotworld-py": (("datadotworld", "datadotworld"),),
    "datamatrix": (("python-datamatrix", "datamatrix"),),
    "dave": (("usedave", "numpy"),),
    "delegator": (("delegator-py", "delegator"),),
    "dftd3-python": (("dftd3", "dftd3"),),
    "dftd4-python": (("dftd4", "dftd4"),),
    "docker-py": (("docker", "docker"),),
    "esprima-python": (("esprima", "esprima"),),
    "evaml-core": (("evalml", "evalml"),),
    "fileinspector": (("python-fileinspector", "fileinspector"),),
    "flask_cors": (("flask-cors", "flask_cors"),),
    "flask_json": (("flask-json", "flask_json"),),
    "flex-swagger": (("flex", "flex"),),
    "gnupg-py": (("gnupg", "gnupg"),),
    "google-cloud-bigquery-core": (("google-cloud-bigquery", "google.cloud.bigquery"),),
    "googlesearch": (("google", "googlesearch"),),
    "grove": (("quantum-grove", "grove"),),
    "h2o-py": (("h2o", "h2o"),),
    "h3-py": (("h3", "h3"),),
    "hjson-py": (("hjson", "hjson"),),
    "import_metadata": (("import-metadata", "import_metadata"),),
    "intake-accumulo": (("intake-astro", "intake_astro"),),
    "jupyter_client": (("jupyter-client", "jupyter_client"),),
    "libnacl-python-bindings": (("libnacl", "libnacl"),),
    "matplotlib-base": (("matplotlib", "matplotlib"),),
    "msg-extractor": (("extract-msg", "extract_msg"),),
    "msgpack-python": (("msgpack", "msgpack"),),
    "neo4j-python-driver": (("neo4j", "neo4j"),),
    "nvidia-ml": (("nvidia-ml-py3", "pynvml"),),
    "oliver": (("stjudecloud-oliver", "oliver"),),
    "opencv": (
        ("opencv-python", "cv2"),
        ("opencv-python-headless", "cv2"),
        ("python-opencv", "cv2"),
    ),
    "ortools-python": (("ortools", "ortools"),),
    "p_astro": (("p-astro", "ligo.p_astro"),),
    "prince-factor-analysis": (("prince", "prince"),),
    "pseudorandom": (("python-pseudorandom", "pseudorandom"),),
    "pvcaptest": (("captest", "captest"),),
    "pvlib-python": (("pvlib", "pvlib"),),
    "py-bash-completion": (("bash-completion", "bash_completion"),),
    "pygaze": (("python-pygaze", "pygaze"),),
    "pyqt": (
        ("pyqt4", "pyqt4"),
        ("pyqt5", "pyqt5"),
    ),
    "pysoundfile": (("soundfile", "soundfile"),),
    "pytables": (("tables", "pytables"),),
    "python-annoy": (("annoy", "annoy"),),
    "python-asana": (("asana", "asana"),),
    "python-backtrace": (("backtrace", "backtrace"),),
    "python-build": (("build", "build"),),
    "python-cdo": (("cdo", "cdo"),),
    "python-confluent-kafka": (("confluent-kafka", "confluent_kafka"),),
    "python-coreapi": (("coreapi", "coreapi"),),
    "python-coreschema": (("coreschema", "coreschema"),),
    "python-cufflinks": (("cufflinks", "cufflinks"),),
    "python-dashing": (("dashing", "dashing"),),
    "python-duckdb": (("duckdb", "duckdb"),),
    "python-eccodes": (("eccodes", "eccodes"),),
    "python-fastjsonschema": (("fastjsonschema", "fastjsonschema"),),
    "python-flair": (("flair", "flair"),),
    "python-flatbuffers": (("flatbuffers", "flatbuffers"),),
    "python-graphviz": (("graphviz", "graphviz"),),
    "python-gssapi": (("gssapi", "gssapi"),),
    "python-hdfs": (("hdfs", "hdfs"),),
    "python-htcondor": (("htcondor", "htcondor"),),
    "python-installer": (("installer", "installer"),),
    "python-jsii": (("jsii", "jsii"),),
    "python-kaleido": (("kaleido", "kaleido"),),
    "python-kubernetes": (("kubernetes", "kubernetes"),),
    "python-libaio": (("libaio", "libaio"),),
    "python-lmdb": (("lmdb", "lmdb"),),
    "python-mss": (("mss", "mss"),),
    "python-neo": (("neo", "neo"),),
    "python-node-semver": (("node-semver", "semver"),),
    "python-paragraph": (("paragraph", "paragraph"),),
    "python-sounddevice": (("sounddevice", "sounddevice"),),
    "python-symengine": (("symengine", "symengine"),),
    "python-systemd": (("systemd-python", "systemd"),),
    "python-termstyle": (("termstyle", "termstyle"),),
    "python-xxhash": (("xxhash", "xxhash"),),
    "pytorch": (("torch", "torch"),),
    "pytorch_cluster": (("torch-cluster", "torch_cluster"),),
    "pytorch_geometric": (("torch-geometric", "torch_geometric"),),
    "pytorch_sparse": (("torch-sparse", "torch_sparse"),),
    "pywin32-on-windows": (("pywin32", "pywin"),),
    "qdatamatrix": (("python-qdatamatrix", "qdatamatrix"),),
    "qnotifications": (("python-qnotifications", "QNotifications"),),
    "redis-py": (("redis", "redis"),),
    "rocketpy": (("rocketpyalpha", "rocketpy"),),
    "sagemaker-inference-toolkit": (("sagemaker-inference", "sagemaker_inference"),),
    "sagemaker_mxnet_container": (("sagemaker-mxnet-training", "sagemaker_mxnet_container"),),
    "spherical_functions": (("spherical-functions", "spherical_functions"),),
    "sphinx_rtd_theme": (("sphinx-rtd-theme", "sphinx_rtd_theme"),),
    "tblite-python": (("tblite", "tblite"),),
    "trino-python-client": (("trino", "trino"),),
    "typing_extensions": (("typing-extensions", "typing_extensions"),),
    "vsts-python-api": (("vsts", "vsts"),),
    "xtb-python": (("xtb", "xtb"),),
}

# Packages conda installs that pip cannot: asked for in the `pip:` section they fail or install a squatter.
CONDA_ONLY = frozenset({"python", "conda", "cudatoolkit", "cudnn", "pytorch-cuda", "r-base", "nodejs", "openjdk"})


def pypi_names(conda_name: str) -> tuple[str, ...]:
    """The PyPI distributions a conda package stands for (its own name when the table has no exception)."""
    found = CONDA_TO_PYPI.get(conda_name.lower())
    return tuple(pypi for pypi, _ in found) if found else (conda_name.lower(),)


def conda_names_of(pypi: str) -> list[str]:
    """The conda packages that stand for this PyPI distribution under another name."""
    return [conda for conda, rows in CONDA_TO_PYPI.items() if any(p == pypi for p, _ in rows)]
