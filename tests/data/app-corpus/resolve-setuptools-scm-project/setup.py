from setuptools import find_packages, setup

setup(
    name="inventory-api",
    use_scm_version=True,
    setup_requires=["setuptools-scm"],
    packages=find_packages(),
    install_requires=["flask", "gunicorn"],
)
