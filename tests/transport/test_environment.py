"""The child environment in each mode matches what the director or `bosh create-env` would give the CPI."""

from __future__ import annotations

import shutil

import pytest

from cpictl.transport import ENV_MODES, CpiCommand, build_environment, run_cpi

BASE = {"PATH": "/opt/bin:/usr/bin", "HOME": "/home/me", "TMPDIR": "/tmp/me", "AWS_PROFILE": "dev", "LANG": "C.UTF-8"}


def test_director_keeps_only_path_tmpdir_and_home():
    assert build_environment("director", base=BASE) == {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/home/me",
        "TMPDIR": "/tmp/me",
    }


def test_director_omits_tmpdir_and_home_when_unset():
    assert build_environment("director", base={"AWS_PROFILE": "dev"}) == {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


def test_create_env_adds_package_and_job_dirs():
    env = build_environment("create-env", base=BASE, packages_dir="/i/packages", jobs_dir="/i/jobs")
    assert env == {**BASE, "BOSH_PACKAGES_DIR": "/i/packages", "BOSH_JOBS_DIR": "/i/jobs"}
    assert build_environment("create-env", base=BASE) == BASE


def test_inherit_copies_and_never_mutates_the_base():
    env = build_environment("inherit", base=BASE, packages_dir="/ignored")
    assert env == BASE and env is not BASE
    env["NEW"] = "1"
    assert "NEW" not in BASE


@pytest.mark.parametrize("mode", ENV_MODES)
def test_extra_is_merged_last_in_every_mode(mode):
    env = build_environment(mode, base=BASE, extra={"PATH": "/mine", "CPI_DEBUG": "1"})
    assert (env["PATH"], env["CPI_DEBUG"]) == ("/mine", "1")


def test_default_base_is_our_environment(monkeypatch):
    monkeypatch.setenv("CPICTL_TEST_MARKER", "yes")
    assert build_environment("inherit")["CPICTL_TEST_MARKER"] == "yes"
    assert "CPICTL_TEST_MARKER" not in build_environment("director")


def test_unknown_mode_names_the_valid_ones():
    with pytest.raises(ValueError, match="inherit, director, create-env"):
        build_environment("bosh")


@pytest.mark.skipif(shutil.which("env", path="/usr/bin:/bin") is None, reason="needs env(1)")
def test_cpi_process_sees_exactly_the_built_environment():
    env = build_environment("director", base=BASE, extra={"X": "a b=c"})
    result = run_cpi(CpiCommand([shutil.which("env", path="/usr/bin:/bin")], env=env, timeout=10), b"")
    assert sorted(result.stdout.decode().splitlines()) == sorted(f"{k}={v}" for k, v in env.items())
