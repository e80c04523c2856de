"""The real process: the installed `mbc` entry point, and a wheel installed into a fresh venv
(this is what catches a knowledge table missing from the wheel)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import pytest

from helpers import parse_document, parse_ndjson

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MBC_", "PYTHON")) or k == "MBC_CACHE_DIR"
    }
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _mbc_script() -> str:
    found = shutil.which("mbc", path=sysconfig.get_path("scripts"))
    if found is None:
        pytest.skip("the mbc entry point is not installed in this environment")
    return found


def test_installed_entry_point_runs_from_any_directory(tmp_path: Path) -> None:
    done = subprocess.run(
        [_mbc_script(), "symptoms", "headache, dizziness", "--json"],
        cwd=tmp_path, capture_output=True, env=_env(), timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert parse_document(done.stdout)["sites"][0]["site"] == "brain"
    assert done.stderr == b""


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mbc_lookup", "symptoms", "toothache"],
        cwd=tmp_path, capture_output=True, env=_env(), timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert b"everyday complaint" in done.stdout


def test_wheel_ships_the_table_and_works_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next(dist.glob("mbc_lookup-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mbc_lookup/data/symptoms.yaml" in names and "mbc_lookup/schema.json" in names
    # The licence travels with the wheel, and its metadata names it for licence checkers.
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in zipfile.ZipFile(wheel).read(metadata).decode("utf-8").splitlines()
    # The shipped table's compiled entries (hatch_build.py), for the Python that built the wheel.
    python_tag = f"-py{sys.version_info[0]}{sys.version_info[1]}-"
    entries = [name for name in names if name.startswith("mbc_lookup/data/") and name.endswith(".marshal")]
    assert sorted(name.split("-")[1] for name in entries) == ["full", "seed"]
    assert all(python_tag in name for name in entries), entries

    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # The run-time dependencies come from this environment, after the fresh venv's own
    # site-packages, so the mbc_lookup that runs is the one from the wheel.
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(site_packages, "zz_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    mbc = fresh / ("Scripts/mbc.exe" if os.name == "nt" else "bin/mbc")
    user_cache = tmp_path / "user-cache"
    done = subprocess.run(
        [str(mbc), "symptoms", "headache", "--json"],
        cwd=elsewhere,
        capture_output=True,
        env={**_env(), "MBC_CACHE_DIR": str(user_cache)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    document = parse_document(done.stdout)
    assert document["inputs"][0]["matches"][0]["symptom_id"] == "brain.headache"
    # Answered from the entries in the wheel: the first run already writes no cache.
    assert not user_cache.exists()
    # ... and they answer as the table built from its YAML does (a copy with one more line is
    # another table, so it is parsed), for every way a text is read.
    copy = tmp_path / "copy.yaml"
    copy.write_bytes((ROOT / "data" / "symptoms.yaml").read_bytes() + b"# another table\n")
    text = "headache and no fever, my dad doesnt know where he is; coughing up blood. weezing, toothache"
    answers = []
    for extra in ([], ["--data", str(copy)]):
        done = subprocess.run(
            [str(mbc), "symptoms", text, "--json", *extra],
            cwd=elsewhere, capture_output=True, env={**_env(), "MBC_CACHE_DIR": ""}, timeout=60,
        )  # fmt: skip
        answers.append(parse_document(done.stdout))
    for key in ("inputs", "sites", "urgent", "triage"):
        assert answers[0][key] == answers[1][key], key
    where = subprocess.run(
        [str(python), "-c", "import mbc_lookup.knowledge as k; print(k.default_path())"],
        cwd=elsewhere, capture_output=True, text=True, env=_env(),
    ).stdout  # fmt: skip
    assert where.startswith(site_packages), where
    schema = subprocess.run([str(mbc), "schema"], cwd=elsewhere, capture_output=True, env=_env(), timeout=60)
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"].startswith("mbc-lookup JSON")


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    many = ", ".join(["headache", "cough", "yellow eyes", "xyzzy"] * 50)
    done = subprocess.run(
        f'"{_mbc_script()}" symptoms "{many}" | head -n 1',
        shell=True, cwd=tmp_path, capture_output=True, env={**_env(), "PYTHONUNBUFFERED": "1"}, timeout=60,
    )  # fmt: skip
    assert done.stdout.count(b"\n") == 1
    assert b"Traceback" not in done.stderr and b"BrokenPipeError" not in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_unwritable_stdout_is_one_clear_error(tmp_path: Path) -> None:
    for extra in ([], ["--json"]):
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [_mbc_script(), "symptoms", "headache", *extra],
                cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, env=_env(), timeout=60,
            )  # fmt: skip
        assert done.returncode == 2
        assert done.stderr.decode().splitlines() == [
            "mbc: error: cannot write the output: No space left on device"
        ]


def _lists_file(path: Path, lines: int) -> Path:
    phrases = ["headache", "yellow eyes, itching", "cough, coughing up blood", "bone pain", "xyzzy"]
    path.write_text("".join(f"{phrases[i % 5]}, item {i}\n" for i in range(lines)), encoding="utf-8")
    return path


def test_batch_in_a_shell_pipeline(tmp_path: Path) -> None:
    lists = tmp_path / "lists.txt"
    lists.write_text("headache, dizziness\nyellow eyes\n\ntoothache\n", encoding="utf-8")
    done = subprocess.run(
        f'cat lists.txt | "{_mbc_script()}" batch -',
        shell=True, cwd=tmp_path, capture_output=True, env=_env(), timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == b""
    assert [d["line"] for d in parse_ndjson(done.stdout)] == [1, 2, 4]


def test_batch_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    _lists_file(tmp_path / "lists.txt", 20_000)
    done = subprocess.run(
        f'"{_mbc_script()}" batch lists.txt | head -n 3; exit "${{PIPESTATUS[0]}}"',
        shell=True, executable="/bin/bash", cwd=tmp_path, capture_output=True, env=_env(), timeout=120,
    )  # fmt: skip
    assert done.returncode == 141  # as for any program the closed pipe stops
    assert len(parse_ndjson(done.stdout)) == 3
    assert done.stderr == b"", done.stderr


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_during_batch_leaves_only_complete_lines(tmp_path: Path) -> None:
    lists = _lists_file(tmp_path / "lists.txt", 400_000)
    out = tmp_path / "out.ndjson"
    process = subprocess.Popen(
        [_mbc_script(), "batch", str(lists), "--output", str(out)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (not out.exists() or out.stat().st_size == 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stdout == b""
    assert stderr.decode().splitlines() == ["mbc: interrupted; the lines written so far are complete"]
    written = parse_ndjson(out.read_bytes(), check_every=1000)
    assert 0 < len(written) < 400_000
    assert [d["line"] for d in written] == list(range(1, len(written) + 1))


@pytest.mark.skipif(os.name == "nt", reason="needs a pseudo-terminal")
def test_batch_shows_progress_only_on_a_terminal(tmp_path: Path) -> None:
    import pty
    import threading

    lists = _lists_file(tmp_path / "lists.txt", 10_000)
    controller, terminal = pty.openpty()
    seen: list[bytes] = []

    def drain() -> None:  # keep reading the terminal so the bar never blocks on a full buffer
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    process = subprocess.Popen(
        [_mbc_script(), "batch", str(lists)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=terminal, env={**_env(), "TERM": "xterm"},
    )  # fmt: skip
    os.close(terminal)
    stdout, _ = process.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(controller)
    assert process.returncode == 0
    assert b"%" in b"".join(seen)  # the bar's percentage was drawn on the terminal
    assert len(parse_ndjson(stdout, check_every=1000)) == 10_000  # and stdout holds only the results


def test_every_command_runs_from_the_installed_entry_point(tmp_path: Path) -> None:
    runs = {
        ("sites", "--json"): 0, ("site", "lymph-nodes", "--json"): 0, ("treatments", "--json"): 0,
        ("validate", "--json"): 0, ("site", "kidney"): 2, ("symptoms", "toothache", "--json"): 1,
    }  # fmt: skip
    mbc = _mbc_script()
    for args, code in runs.items():
        done = subprocess.run([mbc, *args], cwd=tmp_path, capture_output=True, env=_env(), timeout=60)
        assert done.returncode == code, (args, done.stderr)
        if "--json" in args:
            parse_document(done.stdout)
        else:
            assert done.stderr.decode().startswith("mbc: error: no site called 'kidney'")
    completion = subprocess.run(
        [mbc, "--show-completion", "bash"], cwd=tmp_path, capture_output=True, env=_env(), timeout=60
    )  # fmt: skip
    assert completion.returncode == 0 and b"_MBC_COMPLETE=complete_bash" in completion.stdout


# --- mbc batch --jobs ----------------------------------------------------------------------------


def _mixed_lines(path: Path, count: int) -> Path:
    """Generated lists, a third of them repeats, with blank and undecodable lines among them."""
    phrases = ["headache", "yellow eyes, itching", "cough, coughing up blood", "bone pain", "xyzzy"]
    out = bytearray()
    for i in range(count):
        if i % 97 == 5:
            out += b"\xc3\x28 broken " + str(i).encode() + b"\n"
        elif i % 89 == 7:
            out += b"\n"
        elif i % 3 == 0:
            out += phrases[i % 5].encode() + b", dizziness\n"
        else:
            out += f"{phrases[i % 5]}, no fever, item {i}\n".encode()
    path.write_bytes(bytes(out))
    return path


def test_batch_jobs_2_is_byte_identical_to_jobs_1(tmp_path: Path) -> None:
    lists = _mixed_lines(tmp_path / "lists.txt", 5000)
    runs = {}
    for jobs in ("1", "2"):
        runs[jobs] = subprocess.run(
            [_mbc_script(), "batch", str(lists), "--jobs", jobs, "--summary"],
            cwd=tmp_path, capture_output=True, env=_env(), timeout=120,
        )  # fmt: skip
    piped = subprocess.run(
        f'cat lists.txt | "{_mbc_script()}" batch - --jobs 2 --summary',
        shell=True, cwd=tmp_path, capture_output=True, env=_env(), timeout=120,
    )  # fmt: skip
    assert runs["1"].returncode == runs["2"].returncode == piped.returncode == 0
    assert runs["2"].stdout == runs["1"].stdout == piped.stdout
    assert runs["2"].stderr == runs["1"].stderr == piped.stderr
    assert runs["1"].stderr.count(b"not valid UTF-8") == 52
    raw_lines = lists.read_bytes().split(b"\n")[:-1]
    readable = [n for n, raw in enumerate(raw_lines, 1) if raw.strip() and b"broken" not in raw]
    assert [d["line"] for d in parse_ndjson(runs["1"].stdout, check_every=500)] == readable


def test_batch_jobs_2_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    _lists_file(tmp_path / "lists.txt", 20_000)
    done = subprocess.run(
        f'"{_mbc_script()}" batch lists.txt --jobs 2 | head -n 3; exit "${{PIPESTATUS[0]}}"',
        shell=True, executable="/bin/bash", cwd=tmp_path, capture_output=True, env=_env(), timeout=120,
    )  # fmt: skip
    assert done.returncode == 141
    assert len(parse_ndjson(done.stdout)) == 3
    assert done.stderr == b"", done.stderr


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_during_batch_jobs_2_leaves_only_complete_lines(tmp_path: Path) -> None:
    lists = _lists_file(tmp_path / "lists.txt", 400_000)
    out = tmp_path / "out.ndjson"
    process = subprocess.Popen(
        [_mbc_script(), "batch", str(lists), "--jobs", "2", "--output", str(out)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (not out.exists() or out.stat().st_size == 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: to the parent and its workers
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stdout == b""
    assert stderr.decode().splitlines() == ["mbc: interrupted; the lines written so far are complete"]
    written = parse_ndjson(out.read_bytes(), check_every=1000)
    assert 0 < len(written) < 400_000
    assert [d["line"] for d in written] == list(range(1, len(written) + 1))
    time.sleep(0.2)
    leftover = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, check=False)
    assert leftover.stdout == b"", "worker processes outlived the run"


@pytest.mark.skipif(os.name == "nt", reason="POSIX pipes")
def test_batch_jobs_2_answers_each_line_of_a_paused_pipe_at_once(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [_mbc_script(), "batch", "-", "--jobs", "2"],
        cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    for number, text in enumerate((b"headache\n", b"yellow eyes\n"), start=1):
        process.stdin.write(text)
        process.stdin.flush()
        answer = process.stdout.readline()  # the writer pauses: the answer must not wait for more
        assert json.loads(answer)["line"] == number
    process.stdin.close()
    assert process.stdout.read() == b""
    assert process.wait(timeout=60) == 0


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_batch_jobs_2_workers_end_when_the_parent_is_killed(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [_mbc_script(), "batch", "-", "--jobs", "2"],
        cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
        start_new_session=True,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"headache\n")
    process.stdin.flush()
    assert json.loads(process.stdout.readline())["line"] == 1  # the workers are running
    process.kill()  # no chance to clean up: the workers must notice by themselves
    process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, check=False).stdout
        if not left:
            break
        time.sleep(0.2)
    assert not left, "worker processes outlived their parent"
    process.stdin.close()


def _session_left(session: int, wait: float = 10.0) -> bytes:
    """The processes still in `session` (the run's parent and workers), after up to `wait` s."""
    deadline = time.monotonic() + wait
    while True:
        left = subprocess.run(["pgrep", "-s", str(session)], capture_output=True, check=False).stdout
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("into", ["stdout", "--output"])
def test_batch_jobs_2_into_a_full_disk_is_one_error_and_no_process_is_left(tmp_path: Path, into: str) -> None:
    lists = _lists_file(tmp_path / "lists.txt", 50_000)
    args = [sys.executable, "-m", "mbc_lookup", "batch", str(lists), "--jobs", "2"]
    with open("/dev/full", "wb") as full:
        process = subprocess.Popen(
            args + (["--output", "/dev/full"] if into == "--output" else []),
            cwd=tmp_path, stdout=full if into == "stdout" else subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=_env(), start_new_session=True,
        )  # fmt: skip
        try:
            _, stderr = process.communicate(timeout=60)  # the earlier merge hung here
        finally:
            process.kill()
    assert process.returncode == 2
    assert stderr.decode().splitlines() == ["mbc: error: cannot write the output: No space left on device"]
    assert _session_left(process.pid) == b"", "processes outlived the run"


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_during_batch_jobs_2_leaves_whole_lines_and_no_process(
    tmp_path: Path, signum: int
) -> None:
    lists = _lists_file(tmp_path / "lists.txt", 400_000)
    out = tmp_path / "out.ndjson"
    process = subprocess.Popen(
        [_mbc_script(), "batch", str(lists), "--jobs", "2", "--output", str(out)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (not out.exists() or out.stat().st_size == 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signum)  # to the parent only, as `kill PID` or a service manager does
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + signum and stdout == b""
    assert stderr.decode().splitlines() == ["mbc: interrupted; the lines written so far are complete"]
    written = parse_ndjson(out.read_bytes(), check_every=1000)
    assert 0 < len(written) < 400_000
    assert [d["line"] for d in written] == list(range(1, len(written) + 1))
    assert _session_left(process.pid) == b"", "worker processes outlived the run"


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_batch_jobs_2_csv_with_ids_is_byte_identical_to_jobs_1(tmp_path: Path, fmt: str) -> None:
    rows = ["pid,note"] + [
        f'p{i},"headache, {"yellow eyes" if i % 3 else "cough"}, item {i}"' for i in range(3000)
    ]
    notes = tmp_path / "notes.csv"
    notes.write_text("\n".join(rows) + "\n", encoding="utf-8")
    runs = []
    for jobs in ("1", "2"):
        args = ["--input-format", "csv", "--id-column", "pid", "--text-column", "note", "--format", fmt]
        done = subprocess.run(
            [_mbc_script(), "batch", str(notes), *args, "--jobs", jobs],
            cwd=tmp_path, capture_output=True, env=_env(), timeout=120,
        )  # fmt: skip
        runs.append(done)
    assert runs[0].returncode == runs[1].returncode == 0, runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and runs[0].stderr == runs[1].stderr == b""
    assert runs[0].stdout.count(b"\n") == 3001 and b"\np2999" in runs[0].stdout
