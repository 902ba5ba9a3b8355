"""A CPI that cannot be started raises CpiNotRunnable with a sentence naming the path and what to do."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from cpictl.transport import CpiCommand, CpiNotRunnable, CpiWorkdirUnusable, run_cpi

OK_RESPONSE = b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'


def start(argv: list[str], **options) -> CpiNotRunnable:
    with pytest.raises(CpiNotRunnable) as caught:
        run_cpi(CpiCommand(argv, timeout=10, **options), b"{}")
    return caught.value


def script(path, text: str, mode: int = 0o755) -> str:
    path.write_text(text)
    path.chmod(mode)
    return str(path)


def test_missing_executable(tmp_path):
    error = start([str(tmp_path / "bin" / "cpi")])
    assert str(error) == f"CPI executable not found: {tmp_path / 'bin' / 'cpi'}"
    assert (error.path, error.reason) == (str(tmp_path / "bin" / "cpi"), "not found")


def test_file_without_execute_bit(cpi_path):
    path = cpi_path("not_executable.sh")
    assert not os.stat(path).st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH), "must be committed as 644"
    error = start([path])
    assert str(error) == f"CPI is not executable: {path} (chmod +x?)"
    assert error.reason == "not executable"


def test_directory(tmp_path):
    error = start([str(tmp_path)])
    assert error.reason == "is a directory"
    assert str(tmp_path) in str(error)


def test_script_without_shebang(tmp_path):
    error = start([script(tmp_path / "cpi", "echo hello\n")])
    assert error.reason == "exec format error"
    assert "#! line" in str(error)


def test_missing_interpreter_is_named(tmp_path):
    path = script(tmp_path / "cpi", "#!/nonexistent/ruby -w\nputs 1\n")
    error = start([path])
    assert error.reason == "interpreter not found"
    assert str(error) == f"CPI interpreter not found: /nonexistent/ruby (from the #! line of {path})"


def test_broken_symlink(tmp_path):
    (tmp_path / "cpi").symlink_to(tmp_path / "gone")
    assert start([str(tmp_path / "cpi")]).reason == "broken symlink"


def test_bare_name_is_looked_up_on_the_child_path(tmp_path, cpi_path):
    error = start(["no-such-cpi"], env={"PATH": str(tmp_path)})
    assert str(error) == "CPI executable not found on PATH: no-such-cpi"
    shutil.copy(cpi_path("ok.sh"), tmp_path / "my-cpi")
    assert run_cpi(CpiCommand(["my-cpi"], env={"PATH": f"{tmp_path}:/usr/bin:/bin"}), b"{}").stdout == OK_RESPONSE


def test_bare_name_of_a_file_in_the_current_directory_suggests_dot_slash(tmp_path, cpi_path, monkeypatch):
    shutil.copy(cpi_path("ok.sh"), tmp_path / "ok.sh")
    monkeypatch.chdir(tmp_path)
    error = start(["ok.sh"], env={"PATH": "/usr/bin:/bin"})
    assert str(error) == "CPI executable not found on PATH: ok.sh (there is ./ok.sh here: did you mean ./ok.sh?)"
    assert run_cpi(CpiCommand(["./ok.sh"], timeout=10), b"{}").stdout == OK_RESPONSE  # and that does run


def test_missing_working_directory(tmp_path, cpi_path):
    error = start([cpi_path("ok.sh")], cwd=str(tmp_path / "nowhere"))
    assert isinstance(error, CpiWorkdirUnusable)
    assert str(error) == f"CPI working directory does not exist: {tmp_path / 'nowhere'}"
    assert error.path == str(tmp_path / "nowhere")


def test_working_directory_that_is_a_file(tmp_path, cpi_path):
    (tmp_path / "file").write_text("")
    error = start([cpi_path("ok.sh")], cwd=str(tmp_path / "file"))
    assert isinstance(error, CpiWorkdirUnusable)
    assert error.reason == "not a directory"


def test_empty_argv_is_a_programming_error():
    with pytest.raises(ValueError, match="argv is empty"):
        run_cpi(CpiCommand([]), b"{}")
