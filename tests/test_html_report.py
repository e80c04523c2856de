"""The HTML report as a browser draws and prints it (headless Chromium; skipped without it)."""

from __future__ import annotations

import datetime
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from mbc_lookup import lookup
from mbc_lookup.model import Knowledge
from mbc_lookup.render_json import result_to_dict
from mbc_lookup.views import html
from mbc_lookup.views.document import source_map

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
# Headless, and quiet on a machine with no network: no background requests of its own.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _report(knowledge: Knowledge, tmp_path: Path, text: str, css: str = "") -> Path:
    document = result_to_dict(lookup(text, knowledge), knowledge)
    page = html.render(document, source_map(knowledge), today=datetime.date(2026, 11, 25))
    path = tmp_path / "report.html"
    path.write_text(page.replace("</style>", css + "</style>", 1), encoding="utf-8")
    return path


def _chromium(tmp_path: Path, *args: str) -> None:
    assert CHROMIUM is not None
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    subprocess.run(command, capture_output=True, timeout=120, check=True)


def test_chromium_draws_the_report(knowledge: Knowledge, tmp_path: Path) -> None:
    report = _report(knowledge, tmp_path, "headache, blurred vision, coughing up blood, no fever, toothache")
    out = tmp_path / "out.png"
    _chromium(tmp_path, f"--screenshot={out}", "--window-size=1000,1400", report.as_uri())
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1000, 1400)
    assert len(data) > 30_000  # a drawn page, not a blank one (a blank one is about 7 kB)


def test_the_report_prints_on_a4(knowledge: Knowledge, tmp_path: Path) -> None:
    # The page leaves the paper size to the printer; here it is set to A4 as a person's would be.
    report = _report(knowledge, tmp_path, "headache, coughing up blood", css="@page { size: A4; }")
    pdf = tmp_path / "report.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes)
    assert len(boxes) == 1  # two sites and an urgent finding fit on one sheet
