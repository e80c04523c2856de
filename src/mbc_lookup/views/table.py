"""The terminal view of one lookup, drawn with rich.

Everything the user typed goes into `rich.text.Text` objects (never markup strings), after
control and bidi characters are made visible, so typed text can neither style nor steer the
terminal. Imported only on the terminal path: the JSON path never loads rich.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from . import exit_codes
from .model import InputResult, Knowledge, LookupResult, Match
from .text import visible


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away ("mbc ... | head"): end quietly with the documented code."""
        self.quiet = True
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(exit_codes.PIPE_CLOSED)


def make_console(file: TextIO) -> Console:
    """Colour only on a terminal and never when NO_COLOR is set; no markup, emoji or guessing."""
    no_color = bool(os.environ.get("NO_COLOR"))
    return _Console(
        file=file,
        markup=False,
        emoji=False,
        highlight=False,
        color_system=None if no_color else "auto",
        soft_wrap=False,
    )


def _how(match: Match) -> str:
    if match.method == "fuzzy":
        return f"fuzzy, similarity {match.score:g}/100"
    return match.method


def _urgent_panel(result: LookupResult) -> Panel:
    lines = Text()
    for index, finding in enumerate(result.urgent):
        if index:
            lines.append("\n")
        lines.append(visible(finding.name), style="bold")
        said = ", ".join(f'"{visible(text)}"' for text in finding.inputs)
        lines.append(f"  (from {said})\n")
        lines.append(visible(finding.advice))
        if finding.source is not None:
            lines.append(f"\nAdvice source: {visible(finding.source.publisher)}", style="dim")
    return Panel(lines, title="Needs prompt medical attention", border_style="red", box=box.HEAVY)


def _sites_table(result: LookupResult) -> Table:
    table = Table(
        title="Sites these symptoms are associated with",
        caption="Score: how many different symptoms you describe point to the site, each weighted by "
        "how well it matched (1 = exact or known phrase); a non-specific symptom counts a fraction toward "
        "each of its sites. It is a weighted count, not a probability.",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("Site", style="bold")
    table.add_column("Score", justify="right")
    table.add_column("Known symptom")
    table.add_column("Your words")
    table.add_column("How matched")
    for site in result.sites:
        first = True
        shown: set[str] = set()
        for item in result.inputs:
            for match in item.matches:
                sites = (match.located_site,) if match.located_site else match.symptom.sites
                if not match.present or site.site.id not in sites or match.symptom.id in shown:
                    continue
                shown.add(match.symptom.id)
                labels = Text(" (urgent)", style="bold red") if match.symptom.urgent else Text("")
                if match.located_site:
                    labels += Text(" (where it is points here)", style="dim")
                elif match.symptom.non_specific:
                    labels += Text(" (non-specific)", style="dim")
                table.add_row(
                    Text(visible(site.site.name) if first else ""),
                    Text(f"{site.score:g}" if first else ""),
                    Text(visible(match.symptom.name)) + labels,
                    Text(visible(_said(result, match))),
                    Text(_how(match)),
                )
                first = False
        table.add_section()
    return table


CONTEXT_WORDS = {
    "negated": "you said you do not have it",
    "historical": "in the past",
    "hypothetical": "feared or asked about, not felt",
    "uncertain": "not sure",
}


def _said(result: LookupResult, match: Match) -> str:
    """The words of the mention as typed."""
    return result.text[match.start : match.end] if result.text else match.matched


def _modifiers(match: Match) -> str:
    return ", ".join(f"{m.category}: {m.value}" for m in match.modifiers)


def _marked_text(result: LookupResult) -> Text:
    """The text as typed, present mentions in bold, others dimmed: the person's own words."""
    text = Text()
    position = 0
    spans = sorted((m.start, m.end, m.present) for item in result.inputs for m in item.matches)
    for start, end, present in spans:
        if start < position:
            continue
        text.append(visible(result.text[position:start]))
        text.append(visible(result.text[start:end]), style="bold underline" if present else "dim strike")
        position = end
    text.append(visible(result.text[position:]))
    return text


def _explain_table(result: LookupResult) -> Table:
    table = Table(title="How each part was read", box=box.SIMPLE, title_justify="left")
    for name in ("Your words", "Known phrase", "Method", "Score", "Cutoff", "Context", "Qualifiers"):
        table.add_column(name)
    for item in result.inputs:
        rows = item.matches or ()
        if not rows:
            table.add_row(
                Text(visible(item.text)),
                Text("-"),
                Text("none"),
                Text(""),
                Text(f"{result.fuzzy_cutoff:g}"),
                Text(""),
                Text(""),
            )
        for match in rows:
            cues = f" ({', '.join(match.cues)})" if match.cues else ""
            table.add_row(
                Text(visible(_said(result, match))),
                Text(visible(match.matched)),
                Text(match.method),
                Text(f"{match.score:g}"),
                Text(f"{result.fuzzy_cutoff:g}"),
                Text(match.context + visible(cues)),
                Text(visible(_modifiers(match))),
            )
    return table


def _unmatched_lines(items: list[InputResult]) -> Text:
    text = Text()
    for item in items:
        text.append("  - ")
        text.append(visible(item.text), style="bold")
        if item.unrelated is not None:
            text.append(": an everyday complaint not associated with these sites")
        elif item.suggestions:
            text.append(": no known symptom matched. Did you mean: ")
            text.append(visible(", ".join(item.suggestions)))
            text.append("?")
        else:
            text.append(": no known symptom matched")
        text.append("\n")
    return text


def render(result: LookupResult, knowledge: Knowledge, console: Console, explain: bool = False) -> None:
    if result.urgent:
        console.print(_urgent_panel(result))
    if result.sites:
        console.print(_sites_table(result))
    else:
        console.print(Text("None of these symptoms matched a site in the table.", style="bold"))
    if result.text and any(item.matches for item in result.inputs):
        console.print(Text("Your words (matched parts marked):", style="bold"))
        console.print(_marked_text(result))
    not_counted = [(item, m) for item in result.inputs for m in item.matches if not m.present]
    if not_counted:
        text = Text("Not counted (shown, but they count toward no site):\n", style="bold")
        for _, match in not_counted:
            cues = f' ("{", ".join(match.cues)}")' if match.cues else ""
            said, name = visible(_said(result, match)), visible(match.symptom.name)
            text.append(f"  - {said} ({name}): {CONTEXT_WORDS[match.context]}{visible(cues)}\n", style="")
        console.print(text)
    unmatched = [item for item in result.inputs if not item.matches]
    if unmatched:
        console.print(Text("Not matched:", style="bold"))
        console.print(_unmatched_lines(unmatched))
    if explain:
        console.print(_explain_table(result))
    console.print(Panel(Text(visible(knowledge.disclaimer)), title="Information only", border_style="blue"))
