"""The real `mbc` process at its edges (issue 14): closed standard streams, encodings that
cannot hold the text, closed pipes, full disks, signals, a Ctrl-C during start-up, files that
are not what they seem. Whatever happens: one `mbc:` line at most, a documented exit code,
whole lines of output, never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from helpers import parse_document, parse_ndjson

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX shells, signals and file descriptors")


def _mbc() -> str:
    found = shutil.which("mbc", path=sysconfig.get_path("scripts"))
    if found is None:
        pytest.skip("the mbc entry point is not installed in this environment")
    return found


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MBC_", "PYTHON", "LC_"))}
    env["MBC_CACHE_DIR"] = os.environ["MBC_CACHE_DIR"]
    return {**env, **extra}


def _shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run `command` in bash, with "$MBC" the installed entry point."""
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, capture_output=True, env=_env(MBC=_mbc(), **env), timeout=60
    )


def _lines(stderr: bytes) -> list[str]:
    text = stderr.decode("utf-8")
    assert "Traceback" not in text, text
    return text.splitlines()


# --- closed standard streams ----------------------------------------------------------------


def test_a_closed_stdout_is_an_output_error(tmp_path: Path) -> None:
    done = _shell('"$MBC" symptoms headache --json >&-', tmp_path)
    assert done.returncode == 2
    assert _lines(done.stderr) == ["mbc: error: cannot write the output: Bad file descriptor"]


def test_a_closed_stdin_is_nothing_to_look_up(tmp_path: Path) -> None:
    done = _shell('"$MBC" symptoms - <&-', tmp_path)
    assert done.returncode == 2 and done.stdout == b""
    assert _lines(done.stderr)[0].startswith("mbc: error: nothing to look up")


def test_a_closed_stderr_keeps_the_exit_codes_and_the_results(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("headache\nyellow eyes\n", encoding="utf-8")
    assert _shell('"$MBC" symptoms "" 2>&-', tmp_path).returncode == 2
    assert _shell('"$MBC" symptoms nonsense-xyzzy --json 2>&-', tmp_path).returncode == 1
    batch = _shell('"$MBC" batch in.txt 2>&-', tmp_path)
    assert batch.returncode == 0 and [d["line"] for d in parse_ndjson(batch.stdout)] == [1, 2]


# --- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "text", "shown", "code"),
    [
        ({"PYTHONIOENCODING": "ascii"}, "café", "caf\\xe9", 1),
        ({"LC_ALL": "C", "PYTHONUTF8": "0"}, "headache, ñ", "\\xf1", 0),
        ({"PYTHONIOENCODING": "cp1252"}, "🤕 headache", "\\U0001f915 headache", 0),  # a Windows redirect
    ],
)
def test_text_the_output_encoding_cannot_hold_is_escaped(
    tmp_path: Path, env: dict[str, str], text: str, shown: str, code: int
) -> None:
    done = subprocess.run(
        [_mbc(), "symptoms", text], cwd=tmp_path, capture_output=True, env=_env(**env), timeout=60
    )  # fmt: skip
    assert done.returncode == code and _lines(done.stderr) == []
    assert shown in done.stdout.decode("ascii", "replace")
    assert b"not a diagnosis" in done.stdout  # the whole table, to its end


# --- closed pipes and full disks -----------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["symptoms", "--help"], ["symptoms", "headache"], ["schema"]]
)
def test_a_reader_that_is_already_gone_ends_the_run_quietly_with_141(tmp_path: Path, args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before mbc writes a byte: `mbc ... | (exit 0)`
    try:
        done = subprocess.run(
            [_mbc(), *args], cwd=tmp_path, stdout=write, stderr=subprocess.PIPE, env=_env(), timeout=60
        )  # fmt: skip
    finally:
        os.close(write)
    assert done.returncode == 141 and done.stderr == b""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--version"], ["--help"], ["validate"], ["sites"]])
def test_a_full_disk_is_one_error_line(tmp_path: Path, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [_mbc(), *args], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, env=_env(), timeout=60
        )  # fmt: skip
    assert done.returncode == 2
    assert _lines(done.stderr) == ["mbc: error: cannot write the output: No space left on device"]


# --- files that are not what they seem -----------------------------------------------------


def test_batch_from_stdin_into_the_same_file_keeps_the_file(tmp_path: Path) -> None:
    lists = tmp_path / "f"
    lists.write_text("headache\ncough\n", encoding="utf-8")
    done = _shell('"$MBC" batch - -o f < f', tmp_path)
    assert done.returncode == 2
    assert _lines(done.stderr) == [
        "mbc: error: f: is the input file (standard input); writing to it would destroy it"
    ]
    assert lists.read_text(encoding="utf-8") == "headache\ncough\n"


def test_a_fifo_as_the_table_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "table.fifo"
    os.mkfifo(fifo)
    done = subprocess.run(
        [_mbc(), "symptoms", "headache", "--data", str(fifo)],
        cwd=tmp_path, capture_output=True, env=_env(), timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert _lines(done.stderr) == [f"mbc: error: {fifo}: is not a regular file, not a knowledge file"]


def test_without_a_home_directory_nothing_is_written_in_the_working_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in _env().items() if k not in ("HOME", "MBC_CACHE_DIR", "XDG_CACHE_HOME")}
    # A user the password database does not know, as in some containers: "~" stays "~".
    code = (
        "import os, pwd, sys; from mbc_lookup.__main__ import main\n"
        "def unknown(uid): raise KeyError(uid)\n"
        "pwd.getpwuid = unknown\n"
        "sys.argv = ['mbc', 'symptoms', 'headache', '--json']; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    parse_document(done.stdout)
    assert list(tmp_path.iterdir()) == []


# --- unforeseen errors ---------------------------------------------------------------------


def test_an_unforeseen_error_is_exit_70_with_the_traceback_only_on_request(tmp_path: Path) -> None:
    code = (
        "import sys, mbc_lookup.api as api\n"
        "def boom(*args): raise ZeroDivisionError('boom')\n"
        "api.lookup_text = boom\n"
        "from mbc_lookup.__main__ import main\n"
        "sys.argv = ['mbc', 'symptoms', 'headache']; main()"
    )
    for debug, traceback in (("", False), ("1", True)):
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, env=_env(MBC_DEBUG=debug),
            timeout=60,
        )  # fmt: skip
        assert done.returncode == 70 and done.stdout == b""
        stderr = done.stderr.decode()
        assert stderr.splitlines()[-1] == (
            "mbc: internal error: ZeroDivisionError: boom (set MBC_DEBUG=1 to see the traceback)"
        )
        assert ("Traceback" in stderr) is traceback


# --- signals -------------------------------------------------------------------------------


def _lists_file(path: Path, lines: int) -> Path:
    phrases = ["headache", "yellow eyes, itching", "cough, coughing up blood", "bone pain", "xyzzy"]
    path.write_text("".join(f"{phrases[i % 5]}, item {i}\n" for i in range(lines)), encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_a_signal_during_batch_into_a_pipe_leaves_whole_lines(tmp_path: Path, name: str, code: int) -> None:
    lists = _lists_file(tmp_path / "lists.txt", 300_000)
    process = subprocess.Popen(
        [_mbc(), "batch", str(lists)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=_env(), bufsize=0,  # unbuffered: what is read here is not also held in a buffer
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.read(100_000)  # the run is under way, writing to the pipe
    process.send_signal(getattr(signal, name))
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code
    assert _lines(stderr) == ["mbc: interrupted; the lines written so far are complete"]
    written = parse_ndjson(first + stdout, check_every=1000)
    assert 0 < len(written) < 300_000
    assert [d["line"] for d in written] == list(range(1, len(written) + 1))


def test_ctrl_c_outside_batch_says_interrupted(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [_mbc(), "symptoms", "-"], cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    time.sleep(1)  # it waits for standard input, or is still starting: the answer is the same
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stdout == b""
    assert _lines(stderr) == ["mbc: interrupted"]


@pytest.mark.parametrize("delay", [0.02, 0.04, 0.06, 0.08])
def test_ctrl_c_while_starting_up_is_never_a_traceback(tmp_path: Path, delay: float) -> None:
    process = subprocess.Popen(
        [_mbc(), "symptoms", "headache", "--json"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    if process.returncode == 0:  # it had already answered
        parse_document(stdout)
        return
    # Before the interpreter has a handler the default action ends it, as for any program.
    # (The first few milliseconds, while pip's launcher imports `re`, are out of mbc's hands.)
    assert process.returncode in (130, -signal.SIGINT, 1)
    if b"Traceback" in stderr:
        # Only an interrupt that lands before mbc's handler exists (in the launcher pip writes,
        # or while it imports the package's two tiny entry modules, on a loaded machine) may
        # still show Python's own traceback; code past that point never shows one.
        modules = set(re.findall(rb'File "[^"]*mbc_lookup[/\\](\w+)\.py"', stderr))
        assert modules <= {b"__init__", b"__main__"} and b"KeyboardInterrupt" in stderr, stderr
        return
    assert process.returncode in (130, -signal.SIGINT)
    assert _lines(stderr) in ([], ["mbc: interrupted"])


def _sigint_in_a_callback(setup: str, caught: str) -> subprocess.CompletedProcess[bytes]:
    """A script that runs `setup`, then has SIGINT arrive inside a weakref callback, and
    prints "interrupted" (and the exit code, if any) when `caught` reaches it."""
    code = (
        "import signal, weakref\n"
        f"{setup}\n"
        "class Thing: pass\n"
        "thing = Thing()\n"
        "ref = weakref.ref(thing, lambda gone: signal.raise_signal(signal.SIGINT))\n"
        "def work(): return 1\n"
        "try:\n"
        "    del thing\n"
        "    work()\n"
        "    print('carried on')\n"
        f"except {caught} as stop:\n"
        "    print('interrupted', getattr(stop, 'exit_code', ''))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, env=_env(), timeout=60)


def test_a_signal_that_lands_in_a_callback_still_ends_the_run() -> None:
    """CPython cannot raise from a weakref callback or `__del__` (importing modules runs
    such callbacks all the time): it would print "Exception ignored ... Traceback" and go
    on as if the Ctrl-C never came. The run must end as interrupted, with nothing printed."""
    done = _sigint_in_a_callback(
        "from mbc_lookup.process import Interrupted, prepare\nprepare()", "Interrupted"
    )
    assert done.stdout.split() == [b"interrupted", b"130"], done
    assert done.stderr == b""


def test_a_ctrl_c_in_a_callback_while_the_cli_is_imported_still_ends_the_run() -> None:
    """Before `prepare`, Python's own handler raises KeyboardInterrupt; Python 3.13's import
    system runs weakref callbacks while `__main__` imports the CLI, and one landing there was
    printed as ignored while the run carried on and exited 0."""
    setup = "from mbc_lookup.process import reraise_lost_signals\nreraise_lost_signals()"
    done = _sigint_in_a_callback(setup, "KeyboardInterrupt")
    assert done.stdout.split() == [b"interrupted"], done
    assert done.stderr == b""


def test_a_signal_at_any_moment_of_a_run_gives_the_answer_or_one_line() -> None:
    """Swept over a whole run, start to exit: a signal either came too late to matter (the
    whole answer, nothing on standard error, exit 0) or ends the run with one line and
    128 + its number; never a traceback from mbc's own code, never a lost exit code."""
    names = {signal.SIGINT: "mbc: interrupted", signal.SIGTERM: "mbc: interrupted (SIGTERM)"}
    names[signal.SIGHUP] = "mbc: interrupted (SIGHUP)"
    signals = list(names)
    for step in range(30):
        signum = signals[step % 3]
        process = subprocess.Popen(
            [_mbc(), "symptoms", "headache", "--json"], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=_env(),
        )  # fmt: skip
        time.sleep(step * 0.005)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
        if process.returncode == 0:
            parse_document(stdout)
            assert stderr == b"", stderr
        elif process.returncode == 128 + signum:
            assert _lines(stderr) == [names[signum]], stderr
        else:  # before any handler of mbc's: the signal's default action, as for any program
            assert process.returncode in (-signum, 1), (process.returncode, stderr)
            modules = set(re.findall(rb'File "[^"]*mbc_lookup[/\\](\w+)\.py"', stderr))
            assert modules <= {b"__init__", b"__main__"}, stderr
