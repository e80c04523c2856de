"""Terminal views of what the tool knows: the sites, one site in full, the treatments.

Table text comes from the knowledge table (possibly a user's own `--data` file), so it goes
into `rich.text.Text` objects made visible like user input, never into markup.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .model import Knowledge, Site, Source
from .render_json import site_patterns, site_sources
from .text import visible


def _text(value: str | None, style: str = "") -> Text:
    return Text(visible(value or ""), style=style)


def _disclaimer(knowledge: Knowledge) -> Panel:
    return Panel(_text(knowledge.disclaimer), title="Information only", border_style="blue")


def _source_line(source: Source) -> Text:
    line = _text(f"[{source.id}] {source.publisher}: {source.title}")
    if source.url:
        line.append(" ")
        line.append(_text(source.url, style="dim"))
    return line


def _described(title: str, what: str, rows: list[tuple[str, str, str]]) -> Table:
    """A table of named things with what each is and its source (tests, treatments)."""
    table = Table(title=title, box=box.SIMPLE, title_justify="left")
    table.add_column(what, style="bold")
    table.add_column("What it is")
    table.add_column("Source")
    for name, description, source in rows:
        table.add_row(_text(name), _text(description), _text(source))
    return table


def render_sites(knowledge: Knowledge, console: Console) -> None:
    table = Table(
        title="Sites metastatic breast cancer commonly spreads to",
        caption="'mbc site NAME' shows every symptom of one site, with its codes and sources.",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("Site", style="bold")
    table.add_column("Id")
    table.add_column("Symptoms", justify="right")
    table.add_column("Urgent", justify="right")
    table.add_column("Tests used to look for spread there")
    for site in knowledge.sites:
        table.add_row(
            _text(site.name),
            _text(site.id),
            Text(str(len(site.symptoms))),
            Text(str(sum(symptom.urgent for symptom in site.symptoms))),
            _text("; ".join(test.name for test in site.tests)),
        )
    console.print(table)
    console.print(_disclaimer(knowledge))


def render_site(knowledge: Knowledge, site: Site, console: Console, phrases: bool = False) -> None:
    table = Table(
        title=f"{visible(site.name)} (id: {visible(site.id)}): symptoms associated with spread there",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
    )
    table.add_column("Symptom", style="bold")
    table.add_column("Urgent")
    table.add_column("HPO")
    table.add_column("SNOMED CT")
    table.add_column("UMLS")
    table.add_column("Also associated with")
    table.add_column("Source")
    if site.description:
        about = _text(site.description)
        about.append(_text(f" [{site.description_source}]", style="dim"))
        console.print(about)
        console.print()
    for symptom in site.symptoms:
        codes = symptom.codes
        row = [
            _text(symptom.name),
            Text("yes", style="bold red") if symptom.urgent else Text("no"),
            _text(f"{codes.hpo} {codes.hpo_label}"),
            _text(codes.snomed or "-"),
            _text(codes.umls or "-"),
            _text(", ".join(link.site for link in symptom.also_sites) or "-"),
            _text(symptom.source),
        ]
        table.add_row(*row)
    console.print(table)
    if phrases:
        known = Text()
        for symptom in site.symptoms:
            known.append(_text(symptom.name, style="bold"))
            known.append(_text(": " + ", ".join(symptom.phrases)))
            known.append("\n")
        console.print(Text("Known phrases (what mbc symptoms recognises)", style="bold"))
        console.print(known)

    urgent = [(s.name, s.advice_source, s.advice) for s in site.symptoms if s.urgent]
    for pattern in site_patterns(knowledge, site):
        together = " + ".join("/".join(group) for group in pattern.all_of)
        urgent.append((f"{pattern.name} ({together})", pattern.source, pattern.advice))
    if urgent:
        advice = Text()
        for index, (name, source, words) in enumerate(urgent):
            if index:
                advice.append("\n")
            advice.append(_text(name, style="bold"))
            advice.append(_text(f" [{source}]", style="dim"))
            advice.append("\n")
            advice.append(_text(words))
        title = "Needs prompt medical attention"
        console.print(Panel(advice, title=title, border_style="red", box=box.HEAVY))

    rows = [(test.name, test.description, test.source) for test in site.tests]
    console.print(_described("Tests used to look for spread here", "Test", rows))

    console.print(Text("Sources", style="bold"))
    console.print(Group(*(_source_line(source) for source in site_sources(knowledge, site))))
    console.print()
    console.print(_disclaimer(knowledge))


def render_treatments(knowledge: Knowledge, console: Console) -> None:
    console.print(_text(knowledge.treatment_summary))
    rows = [(t.name, t.description, t.source) for t in knowledge.treatments]
    console.print(_described("Treatments", "Treatment", rows))
    used = {treatment.source for treatment in knowledge.treatments}
    console.print(Group(*(_source_line(source) for source in knowledge.sources if source.id in used)))
    console.print()
    console.print(_disclaimer(knowledge))
