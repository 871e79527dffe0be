"""Each run's uv cache starts with what uv learnt of the interpreter (deploycheck/resolve/uvseed.py).

The kept cache is made by a real uv run on a real interpreter; as root, a real drift check copies it into the
run's own cache, owned by the run's sandbox user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import interp, run_check

from deploycheck.resolve import resolver, uvseed


def _step(argv: list[str], cwd: Path, env: dict[str, str]) -> bool:
    return resolver._seed_step(argv, cwd, env)


def test_the_kept_cache_holds_uvs_interpreter_entry_and_is_made_once(deploycheck_cache):
    python = interp("3.11").path
    kept = uvseed.template(resolver.uv_binary(), python, _step)
    assert kept is not None and kept.is_relative_to(deploycheck_cache)
    assert list(kept.glob("interpreter-v*/*/*")), "uv wrote no interpreter entry"
    assert not (kept / ".lock").exists()
    asked: list[list[str]] = []
    again = uvseed.template(resolver.uv_binary(), python, lambda argv, cwd, env: asked.append(argv) or False)
    assert again == kept and asked == []  # kept: uv is not run again


def test_a_uv_that_fails_leaves_no_kept_cache(deploycheck_cache, tmp_path):
    fake = tmp_path / "python3"
    fake.write_text("")
    assert uvseed.template(resolver.uv_binary(), str(fake), lambda argv, cwd, env: False) is None
    home = deploycheck_cache / "toolchains" / "seeded-uv-caches"
    kept = {p.name for p in home.iterdir()}
    assert uvseed.template(resolver.uv_binary(), str(fake), lambda argv, cwd, env: False) is None
    assert {p.name for p in home.iterdir()} == kept  # nothing new kept, no staging folder left


def test_seed_copies_only_into_a_cache_that_does_not_exist(tmp_path):
    kept = tmp_path / "kept"
    (kept / "interpreter-v5" / "x").mkdir(parents=True)
    (kept / "interpreter-v5" / "x" / "entry.msgpack").write_bytes(b"\x80")
    assert uvseed.seed(tmp_path / "run" / "uv", kept)
    assert (tmp_path / "run" / "uv" / "interpreter-v5" / "x" / "entry.msgpack").read_bytes() == b"\x80"
    assert not uvseed.seed(tmp_path / "run" / "uv", kept)  # uv already ran in this run: its cache is its own


@pytest.mark.skipif(os.geteuid() != 0, reason="the per-run caches exist only as root (the sandbox user's)")
def test_a_runs_uv_cache_starts_from_the_kept_one_and_belongs_to_the_sandbox_user(app, index, monkeypatch):
    seen: list[tuple[Path, int]] = []
    real = uvseed.seed

    def spy(into: Path, kept: Path) -> bool:
        done = real(into, kept)
        seen.append((into, done))
        return done

    monkeypatch.setattr(uvseed, "seed", spy)
    owners: list[int] = []
    real_run = resolver._run

    def look(argv, cwd, env, *rest):  # the step sees its cache before it starts
        if argv and os.path.basename(argv[0]) == "uv" and "UV_CACHE_DIR" in env:
            cache = Path(env["UV_CACHE_DIR"])
            owners.extend({p.stat().st_uid for p in cache.rglob("*")} if cache.exists() else ())
        return real_run(argv, cwd, env, *rest)

    monkeypatch.setattr(resolver, "_run", look)
    code, report = run_check(app("3.11", "uv"), "--index-url", index)
    assert code == 0, report
    assert [done for _, done in seen][:1] == [True]
    assert owners and 0 not in owners  # every file of the seeded cache is the sandbox user's, none root's


def test_a_link_package_code_left_where_the_runs_uv_cache_goes_is_not_seeded_through(tmp_path):
    """The run's cache folder is the sandbox user's: an earlier step's package code may leave a dangling link
    named like the uv cache. Seeding then skips (uv fails on it as that user) and never raises: an OSError here
    made the whole drift check "could not check", the app's doing reported as deploycheck's."""
    kept = tmp_path / "kept"
    (kept / "interpreter-v5").mkdir(parents=True)
    (tmp_path / "run").mkdir()
    into = tmp_path / "run" / "uv"
    into.symlink_to(tmp_path / "elsewhere")
    assert not uvseed.seed(into, kept)
    assert into.is_symlink() and not (tmp_path / "elsewhere").exists()
