"""The side panel of the annotation screen: labels and keys, the span in focus, the document's
labels, and the list of spans."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from workbench.scheme import LabelKind, Scheme
from workbench.session import excerpt
from workbench.store import AnnotationInfo, SpanInfo, SuggestionInfo
from workbench.tui.widgets.span_list import SpanList

EXCERPT = 34
"""Characters of span text in the span block."""
_UNSET = object()


class SidePanel(Vertical):
    """Shows state the screen hands it; clicking a label line asks the screen to change it."""

    class ChooseRequested(Message):
        """A stance or topics line was clicked: the screen opens the chooser for it."""

        def __init__(self, target: str, kind: str) -> None:
            super().__init__()
            self.target = target
            """``document`` or ``span``."""
            self.kind = kind
            """``stance`` or ``topics``."""

    DOCUMENT_TITLE = "Document"
    """The heading of the document's labels."""

    def __init__(self, scheme: Scheme, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scheme = scheme
        """Where the labels, keys, colours and guidelines come from."""
        self._focus_shown: object = _UNSET

    def compose(self) -> ComposeResult:
        yield Static(id="side-document", markup=False)
        yield Static(id="side-focus", markup=False)
        yield Static(self.legend(), id="side-legend", markup=False)
        yield SpanList(self.scheme, id="side-spans")

    def on_click(self, event: events.Click) -> None:
        # Line 1 of the document and span blocks is the stance, line 2 the topics.
        widget = event.widget
        if widget is None or widget.id not in ("side-document", "side-focus"):
            return
        offset = event.get_content_offset(widget)
        kind = {1: "stance", 2: "topics"}.get(offset.y) if offset is not None else None
        if kind is not None:
            target = "document" if widget.id == "side-document" else "span"
            self.post_message(self.ChooseRequested(target, kind))

    def legend(self) -> Text:
        """Claim types with their hotkeys, colours and guidelines."""
        text = Text("Claim types\n", style="bold")
        for label in self.scheme.claim_type:
            text.append(f" {label.key} ", style="bold reverse")
            text.append(f" {label.name}", style=f"bold {label.color}")
            text.append(f"  {label.guideline}\n", style="dim")
        text.rstrip()
        return text

    def show_document(
        self, annotation: AnnotationInfo, suggested: Sequence[SuggestionInfo] = ()
    ) -> None:
        """The document's stance, topics, status and note, and the stance and topics
        ``suggested`` for it (pending, best first) with their scores."""
        text = Text(self.DOCUMENT_TITLE, style="bold")
        text.append(f"  {annotation.status.replace('_', ' ')}\n", style="dim")
        text.append("stance ", style="dim")
        text.append_text(self._label("stance", annotation.stance))
        text.append("\ntopics ", style="dim")
        text.append_text(self._labels(annotation.topics))
        if annotation.note:
            text.append("\nnote ", style="dim")
            text.append(annotation.note)
        for kind, title in (("stance", "stance"), ("topic", "topics")):
            offered = [s for s in suggested if s.kind == kind]
            if offered:
                text.append(f"\n✦ {title} ", style="dim")
                for index, suggestion in enumerate(offered):
                    if index:
                        text.append(", ")
                    field: LabelKind = "stance" if kind == "stance" else "topics"
                    text.append_text(self._suggested(field, suggestion))
        if suggested:
            text.append("\n  S / T: accept in the chooser", style="dim")
        self.query_one("#side-document", Static).update(text)

    def _suggested(self, field: LabelKind, suggestion: SuggestionInfo) -> Text:
        label = self.scheme.get(field, suggestion.label)
        text = Text(suggestion.label, style=f"italic {label.color if label else ''}")
        if suggestion.score is not None:
            text.append(f" {suggestion.score:.2f}", style="dim")
        return text

    def show_focus(
        self,
        span: SpanInfo | None,
        document_text: str,
        suggestion: SuggestionInfo | None = None,
    ) -> None:
        """The span under the cursor: label, extent, stance, topics; and the pending
        suggestion there with its source and score (redrawn only on change)."""
        if (span, suggestion) == self._focus_shown:
            return  # most cursor moves stay inside or outside the same span
        self._focus_shown = (span, suggestion)
        if span is not None:
            self.query_one(SpanList).highlight_span(span)  # the list follows the cursor
        # The block has a fixed height, so no layout pass: a cursor move stays one frame.
        focus = self.query_one("#side-focus", Static)
        if span is None and suggestion is None:
            focus.update(Text("No span under the cursor", style="dim"), layout=False)
            return
        if span is None:
            assert suggestion is not None
            text = self._suggestion_block(suggestion, document_text)
        else:
            label = self.scheme.get("claim_type", span.label)
            text = Text("Span ", style="bold")
            text.append(span.label, style=f"bold {label.color if label else ''}")
            text.append(f"  {span.start}-{span.end}\n", style="dim")
            text.append(f"“{excerpt(document_text, span.start, span.end, EXCERPT)}”\n")
            text.append("stance ", style="dim")
            text.append_text(self._label("stance", span.stance))
            text.append("\ntopics ", style="dim")
            text.append_text(self._labels(span.topics))
            if suggestion is not None:
                text.append("\n✦ ", style="dim")
                text.append_text(self._offer(suggestion))
        focus.update(text, layout=False)

    def _suggestion_block(self, suggestion: SuggestionInfo, document_text: str) -> Text:
        label = self.scheme.get("claim_type", suggestion.label)
        text = Text("Suggested ", style="bold")
        text.append(suggestion.label, style=f"bold italic {label.color if label else ''}")
        text.append(f"  {suggestion.start}-{suggestion.end}\n", style="dim")
        start, end = suggestion.start or 0, suggestion.end or 0
        text.append(f"“{excerpt(document_text, start, end, EXCERPT)}”\n", style="italic")
        text.append("from ", style="dim")
        text.append_text(self._offer(suggestion, label=False))
        text.append("\na accept · r reject · j/k next/prev", style="dim")
        return text

    def _offer(self, suggestion: SuggestionInfo, *, label: bool = True) -> Text:
        """What offers a suggestion: (its label,) its source and its score."""
        text = Text()
        if label:
            found = self.scheme.get("claim_type", suggestion.label)
            text.append(f"{suggestion.label} ", style=f"italic {found.color if found else ''}")
        text.append(suggestion.source)
        if suggestion.score is not None:
            text.append(f" · score {suggestion.score:.2f}")
        return text

    def show_spans(
        self, spans: tuple[object, ...], document_text: str, focus: SpanInfo | None
    ) -> None:
        """The list of spans (the review list: and candidates), in document order, the
        span in ``focus`` highlighted if given."""
        span_list = self.query_one(SpanList)
        span_list.set_spans(spans, document_text)
        if focus is not None:
            span_list.highlight_span(focus)

    def _label(self, kind: str, name: str | None) -> Text:
        if name is None:
            return Text("—", style="dim")
        label = self.scheme.get("stance", name)
        return Text(name, style=f"bold {label.color if label else ''}")

    def _labels(self, names: tuple[str, ...]) -> Text:
        if not names:
            return Text("—", style="dim")
        text = Text()
        for index, name in enumerate(names):
            label = self.scheme.get("topics", name)
            if index:
                text.append(", ")
            text.append(name, style=label.color if label else "")
        return text
