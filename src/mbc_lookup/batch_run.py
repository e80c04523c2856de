"""One `mbc batch` run: read lines, look each up, write one result per input line.

`results` is a generator of results, one per record read; `process` writes them as NDJSON
(each the `mbc symptoms --json` document plus "line", and "id" when the input has ids) or as
CSV/TSV rows (id, line, top site, all sites, triage level or urgent flag, matched symptoms).

Real batches repeat themselves: the same lists, and above all the same phrases in new
combinations. So a line's JSON (compressed) is kept from its second sighting on, and each
part's JSON (as the text around its span numbers), in small caches bounded by bytes and
emptied when full; a long line (which is rarely repeated, and whose JSON holds its text once
more) is never cached. The parts of the JSON that come from the table (a site's name, a
triage rule's advice and source) are encoded once per run. Memory stays flat whatever the
input size, and a new line made of known parts costs a reading, a triage and a little JSON. Output is
written in whole lines only, inside `hold()`, so an interruption can never leave half a line
behind; pending lines are written once they reach a line count or a size.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, BinaryIO, NamedTuple

from .api import lookup_text
from .batch_input import Record
from .matching import Matcher
from .model import BatchLine, InputResult, Knowledge, SiteResult, Triage, TriageReason
from .process import say, write_output
from .reading import Reader
from .render_json import (
    dumps,
    dumps_strings,
    header,
    input_to_dict,
    modifier_list,
    reason_to_dict,
    site_entry_head,
    urgent_to_list,
)
from .text import visible
from .triage import index_rules

# Rendered lines and parts kept, each cache emptied when full, so memory stays flat.
LINE_CACHE_BYTES = 6_000_000
ITEM_CACHE_BYTES = 2_000_000
SEEN_SLOTS = 1 << 20  # marks for lines seen (1 MB)
CACHEABLE_CHARS = 2_000  # longer lines and items are rendered every time, never kept
CHUNK_LINES = 512  # lines written per write when the input is a file
CHUNK_BYTES = 1_000_000  # ... or as soon as they add up to this much
OUTPUT_FORMATS = ("ndjson", "csv", "tsv")
# Every span in a part's JSON (a quote in typed text is escaped, so none is found in it).
SPAN = re.compile(r'"span":\{"start":(\d+),"end":(\d+)\}')


class Row(NamedTuple):
    """One input line's result: its own JSON (see `BatchRun.render`) and what it found."""

    line: int
    id: str | None
    size: int  # bytes the line took in the input
    body: bytes
    sites: tuple[str, ...]
    urgent: bool


class BatchRun:
    def __init__(self, matcher: Matcher, sink: BinaryIO, flush_each_line: bool, fmt: str = "ndjson") -> None:
        self.matcher = matcher
        self.fmt = fmt
        self.reader = Reader(matcher)
        self.triage_index = index_rules(matcher.knowledge.triage)
        self.knowledge: Knowledge = matcher.knowledge
        self.sink = sink
        self.chunk = 1 if flush_each_line else CHUNK_LINES
        # `--jobs` splits the lines between the workers, and with them the lines' budget; every
        # worker sees the common parts, so each keeps a whole parts' budget.
        self.line_cache_bytes = LINE_CACHE_BYTES
        self.item_cache_bytes = ITEM_CACHE_BYTES
        self.pending: list[bytes] = []
        # Every line's JSON is the same header, then "line", then the same disclaimer and cutoff,
        # then the part that depends on the input: only that part is encoded per line.
        self.prefix = dumps(header("lookup", self.knowledge))[:-1].encode("utf-8")
        constant = {"disclaimer": self.knowledge.disclaimer, "fuzzy_cutoff": matcher.cutoff}
        self.constant = dumps(constant)[1:-1].encode("utf-8")
        self.cache: dict[str, tuple[bytes, tuple[str, ...], bool]] = {}  # line -> compressed JSON, ...
        # A part as typed -> its JSON at offset 0, as the pieces around its span numbers.
        self.item_cache: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        # Per triage level, its JSON up to the reasons; per rule, a reason's JSON around what
        # it rests on. A few dozen entries for the whole run, whatever the input.
        self.triage_heads: dict[str, str] = {}
        self.site_heads: dict[str, str] = {}
        self.reason_parts: dict[str, tuple[str, str]] = {}
        # A line's JSON is kept once the line is seen a second time (most lines of a big batch
        # are seen once, and would only push the repeated ones out). Lines seen are marked in a
        # fixed table by their hash (two lines may share a mark: then one is kept early), which
        # is emptied once half its marks are set: memory is the same for any input.
        self.seen = bytearray(SEEN_SLOTS)
        self.seen_count = 0
        self.line_bytes = 0  # roughly, text lengths plus JSON lengths, in each cache
        self.item_bytes = 0
        self.pending_bytes = 0
        self.looked_up = 0
        self.skipped = 0
        self.matched_lines = 0
        self.urgent_lines = 0
        self.site_lines: dict[str, int] = {}

    def render(self, text: str) -> tuple[bytes, tuple[str, ...], bool]:
        """The line's own JSON (inputs, sites, urgent), the sites it matched, whether anything
        is urgent."""
        kept = self.cache.get(text)
        if kept is not None:
            return (zlib.decompress(kept[0]), kept[1], kept[2])
        result = lookup_text(text, self.reader, self.triage_index)
        inputs = ",".join(self.render_item(item) for item in result.inputs)
        sites = self.render_sites(result.sites)
        urgent = dumps(urgent_to_list(result)) if result.urgent else "[]"
        modifiers = dumps(modifier_list(result.modifiers)) if result.modifiers else "[]"
        said, triage = dumps_strings((text,))[1:-1], self.render_triage(result.triage)
        body = (
            f'"text":{said},"modifiers":{modifiers},"inputs":[{inputs}],"sites":{sites},'
            f'"urgent":{urgent},"triage":{triage}}}'
        ).encode()
        rendered = (body, tuple(site.site.id for site in result.sites), bool(result.urgent))
        if len(text) <= CACHEABLE_CHARS:
            self._keep_line(text, rendered)
        return rendered

    def _keep_line(self, text: str, rendered: tuple[bytes, tuple[str, ...], bool]) -> None:
        slot = hash(text) & (SEEN_SLOTS - 1)
        if not self.seen[slot]:
            if self.seen_count >= SEEN_SLOTS // 2:
                self.seen[:] = bytes(SEEN_SLOTS)
                self.seen_count = 0
            self.seen[slot] = 1
            self.seen_count += 1
            return
        # Kept compressed: a line's JSON repeats the table's words (codes, advice, sources), and
        # compressed, five times as many lines fit in the same bytes.
        packed = zlib.compress(rendered[0], 1)
        size = len(text) + len(packed)
        if self.line_bytes + size > self.line_cache_bytes:
            self.cache.clear()
            self.line_bytes = 0
        self.line_bytes += size
        self.cache[text] = (packed, rendered[1], rendered[2])

    def render_sites(self, sites: tuple[SiteResult, ...]) -> str:
        """`dumps(sites_to_list(result))`, with each site's id and name encoded once."""
        out = []
        for site in sites:
            head = self.site_heads.get(site.site.id)
            if head is None:
                head = dumps(site_entry_head(site))[:-1] + ',"score":'
                self.site_heads[site.site.id] = head
            symptoms = dumps_strings([symptom.id for symptom in site.symptoms])
            out.append(f'{head}{site.score!r},"symptoms":{symptoms},"inputs":{dumps_strings(site.inputs)}}}')
        return "[" + ",".join(out) + "]"

    def render_triage(self, triage: Triage) -> str:
        """`dumps(triage_to_dict(result))`, with the parts that are the same on every line
        encoded once."""
        head = self.triage_heads.get(triage.level)
        if head is None:
            head = dumps({"level": triage.level, "action": triage.action, "reasons": []})[:-3]
            self.triage_heads[triage.level] = head
        reasons = ",".join(self.render_reason(reason) for reason in triage.reasons)
        return f"{head}[{reasons}]}}"

    def render_reason(self, reason: TriageReason) -> str:
        parts = self.reason_parts.get(reason.rule.id)
        if parts is None:
            # The whole reason with empty lists, cut around them: '{"rule":...,"level":...,' and
            # ',"advice":...,"source":...}'.
            whole = dumps(reason_to_dict(reason._replace(inputs=(), symptoms=(), modifiers=())))
            found = '"inputs":[],"symptom_ids":[],"modifiers":[]'
            cut = whole.index(found)
            parts = (whole[:cut], whole[cut + len(found) :])
            self.reason_parts[reason.rule.id] = parts
        inputs = dumps_strings(reason.inputs)
        symptom_ids = dumps_strings([symptom.id for symptom in reason.symptoms])
        modifiers = dumps_strings(reason.modifiers)
        return f'{parts[0]}"inputs":{inputs},"symptom_ids":{symptom_ids},"modifiers":{modifiers}{parts[1]}'

    def render_item(self, item: InputResult) -> str:
        """`dumps(input_to_dict(item))`. A part's JSON depends on where it stands only through
        its spans, so each distinct part is encoded once, as the pieces around its span
        numbers, and the numbers are written in for where it stands."""
        template = self.item_cache.get(item.text)
        if template is None:
            encoded = dumps(input_to_dict(item, self.matcher.cutoff))
            template = _span_template(encoded, item.start)
            if len(item.text) <= CACHEABLE_CHARS:
                size = 2 * len(item.text) + len(encoded)
                if self.item_bytes + size > self.item_cache_bytes:
                    self.item_cache.clear()
                    self.item_bytes = 0
                self.item_bytes += size
                self.item_cache[item.text] = template
            return encoded
        texts, numbers = template
        out = [texts[0]]
        for text, number in zip(texts[1:], numbers, strict=True):
            out.append(str(number + item.start))
            out.append(text)
        return "".join(out)

    def results(self, records: Iterable[Record]) -> Iterator[Row | BatchLine]:
        """A result per record read: a `Row`, or the `BatchLine` of a line that was skipped."""
        for record in records:
            line = record.line
            if line.text is None:
                yield line
                continue
            body, sites, urgent = self.render(line.text)
            yield Row(line.line, record.id, line.size, body, sites, urgent)

    def encode(self, row: Row) -> bytes:
        """One output line for `row`, in this run's format."""
        if self.fmt == "ndjson":
            said = b"" if row.id is None else b',"id":' + dumps(row.id).encode("utf-8")
            return b'%s,"line":%d%s,%s,%s\n' % (self.prefix, row.line, said, self.constant, row.body)
        document = json.loads(b"{" + row.body)
        symptoms = symptom_ids(document)
        level = document["triage"]["level"]
        cells = [
            _cell(row.id or ""),
            str(row.line),
            row.sites[0] if row.sites else "",
            ";".join(row.sites),
            level,
        ]
        return self._csv_line([*cells, ";".join(symptoms)])

    def header(self) -> bytes:
        """The first output line of a CSV or TSV (empty for NDJSON)."""
        if self.fmt == "ndjson":
            return b""
        return self._csv_line(["id", "line", "top_site", "sites", "triage", "symptom_ids"])

    def _csv_line(self, cells: list[str]) -> bytes:
        out = io.StringIO()
        csv.writer(out, delimiter="\t" if self.fmt == "tsv" else ",", lineterminator="\n").writerow(cells)
        return out.getvalue().encode("utf-8")

    def process(
        self,
        records: Iterable[Record],
        hold: Callable[[], AbstractContextManager[None]],
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Write a result for every record; `on_progress` is told the bytes read so far."""
        done = 0
        self.pending.append(self.header())
        for result in self.results(records):
            done += result.size
            if isinstance(result, BatchLine):
                self.skip(result, hold)
                continue
            self.looked_up += 1
            if result.sites:
                self.matched_lines += 1
                for site_id in result.sites:
                    self.site_lines[site_id] = self.site_lines.get(site_id, 0) + 1
            self.urgent_lines += result.urgent
            encoded = self.encode(result)
            self.pending.append(encoded)
            self.pending_bytes += len(encoded)
            if len(self.pending) >= self.chunk or self.pending_bytes >= CHUNK_BYTES:
                with hold():
                    self.flush()
            if on_progress is not None and result.line % 1000 == 0:
                on_progress(done)
        with hold():
            self.flush()
        if on_progress is not None:
            on_progress(done)

    def skip(self, line: BatchLine, hold: Callable[[], AbstractContextManager[None]]) -> None:
        """Count a line that cannot be read and say so, after the lines before it."""
        self.skipped += 1
        with hold():
            self.flush()
            say(f"mbc: warning: line {line.line}: {visible(line.problem or '')}; skipped")

    def flush(self) -> None:
        """Write the pending lines; a failure is raised as `OutputError`."""
        write_output(self.sink, b"".join(self.pending))
        self.pending.clear()
        self.pending_bytes = 0

    def summary_text(self, knowledge: Knowledge) -> str:
        names = {site.id: visible(site.name) for site in knowledge.sites}
        width = max([len(name) for name in names.values()] + [len("no site")])
        lines = [
            f"mbc batch: {self.looked_up} lines looked up, {self.skipped} skipped as unreadable",
            "lines associated with each site (a line can count toward several):",
        ]
        for site in knowledge.sites:
            lines.append(f"  {names[site.id]:<{width}}  {self.site_lines.get(site.id, 0)}")
        lines.append(f"  {'no site':<{width}}  {self.looked_up - self.matched_lines}")
        lines.append(f"lines with an urgent finding: {self.urgent_lines}")
        return "\n".join(lines) + "\n"


def _span_template(encoded: str, offset: int) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A part's JSON as the text around its span numbers, and the numbers less `offset`."""
    texts: list[str] = []
    numbers: list[int] = []
    at = 0
    for found in SPAN.finditer(encoded):
        for group in (1, 2):
            texts.append(encoded[at : found.start(group)])
            numbers.append(int(found.group(group)) - offset)
            at = found.end(group)
    texts.append(encoded[at:])
    return tuple(texts), tuple(numbers)


def symptom_ids(document: dict[str, Any]) -> list[str]:
    """The symptoms a line's document matched in its own present (not negated, not past, not
    someone else's), in order: the CSV/TSV column, and `rows`' `symptom_ids`."""
    return list(
        dict.fromkeys(
            match["symptom_id"]
            for item in document["inputs"]
            for match in item["matches"]
            if match.get("context", "present") == "present"
        )
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """An id from the input, safe to open in a spreadsheet: one that would start a formula
    ("=HYPERLINK(...)") is written with a leading apostrophe, as OWASP advises for CSV."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
