"""Views of a lookup document (the dict `render_json.result_to_dict` returns) for people.

`markdown.render(document)` gives text to paste into a message to a care team, and
`html.render(document)` a self-contained one-page report to print for an appointment. Both
read the document through `document.read`, which tolerates the optional fields a document
may carry (`text`, per-match `span` and `context`, `triage`). Nothing on the lookup path
imports this package: it is loaded only when a view is asked for.
"""
