"""The resolver's environment: built from an allowlist, so config and secrets cannot leak in."""

from __future__ import annotations

import os

from deploycheck.resolve import resolver, toolchain


def test_clean_env_drops_config_and_secrets_keeps_trust_and_proxy(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://evil.example/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", "/opt/wheels")
    monkeypatch.setenv("UV_INDEX_URL", "https://evil.example/simple")
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setenv("INPUT_GITHUB-TOKEN", "ghs_secret")
    monkeypatch.setenv("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    env = resolver.clean_env()
    assert "PIP_INDEX_URL" not in env and "PIP_FIND_LINKS" not in env and "UV_INDEX_URL" not in env
    assert "ghs_secret" not in "".join(env.values())
    assert env["PIP_CERT"] == "/etc/ssl/certs/ca-certificates.crt"
    assert env["HTTPS_PROXY"] == "http://proxy.local:3128" and env["NO_PROXY"] == "localhost"
    assert env["PIP_CONFIG_FILE"] == os.devnull and env["UV_NO_CONFIG"] == "1" and env["PYTHONNOUSERSITE"] == "1"


def test_toolchain_env_has_no_secrets(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setenv("INPUT_GITHUB-TOKEN", "ghs_secret")
    monkeypatch.setenv("MY_API_KEY", "k")
    assert "ghs_secret" not in "".join(toolchain._toolchain_env().values())
    assert "MY_API_KEY" not in toolchain._toolchain_env()


def test_timeout_kills_the_process_group(tmp_path):
    import sys
    import time

    start = time.monotonic()
    done = resolver.run(
        [
            sys.executable,
            "-c",
            "import subprocess,sys; subprocess.run([sys.executable,'-c','import time; time.sleep(60)'])",
        ],
        cwd=tmp_path,
        env={},
        timeout=1,
    )
    assert done.timed_out and not done.ok and time.monotonic() - start < 30
