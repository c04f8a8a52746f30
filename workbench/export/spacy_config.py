"""The ``config.cfg`` written beside the corpora: ``spacy train`` runs it without edits."""

from __future__ import annotations

from typing import Any, Final

from workbench.formats.spacy_docbin import SPANS_KEY
from workbench.scheme import Scheme

SPANCAT: Final = "spancat"
NER: Final = "ner"
STANCE_COMPONENT: Final = "stance"
TOPICS_COMPONENT: Final = "topics"
MAX_SUGGESTED_TOKENS: Final = 32
"""The longest claim (in tokens) the span suggester proposes; longer ones are counted in
``summary.json``. Every extra length adds a candidate per token, so this bounds training
memory on long articles."""


def _bag_of_words(exclusive: bool) -> dict[str, Any]:
    return {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": exclusive,
        "ngram_size": 1,
        "no_output_layer": False,
        "length": 262144,
        "nO": None,
    }


def spacy_config(
    scheme: Scheme,
    *,
    seed: int,
    max_span_tokens: int,
    spans: str | None = "spancat",
    stance: bool = True,
    topics: bool = True,
) -> str:
    """A complete training config for ``spacy.blank("en")``, labels from ``scheme``, with only
    the components the exported data can train: ``spans`` (``spancat`` on the claim spans,
    ``ner`` on ``doc.ents``, None for neither), an exclusive stance classifier if ``stance``,
    a multi-label topic classifier if ``topics``.

    A component without data is left out rather than trained on nothing: spaCy's
    ``debug data`` crashes on a span categorizer whose corpus holds no spans, and a classifier
    with no positive example learns only to say no.

    The stance classifier is spaCy's ``textcat_multilabel`` pipe with an exclusive (softmax)
    model, because spaCy's ``textcat`` pipe refuses any document whose ``doc.cats`` holds more
    than one positive value, topics included (error E895), and because the multi-label pipe
    treats a stance that is absent from ``doc.cats`` as missing (no loss) rather than as
    "none of these": so documents without a stance train the spans and topics and leave the
    stance alone.

    The ``ner`` component takes its labels from the corpus (spaCy's default): its
    ``initialize`` labels are a table of transition moves, not a list of names.
    """
    import spacy

    nlp = spacy.blank("en")
    weights: dict[str, float | None] = {}
    labels: dict[str, dict[str, list[str]]] = {}
    if spans == SPANCAT:
        nlp.add_pipe(
            SPANCAT,
            config={
                "spans_key": SPANS_KEY,
                "threshold": 0.5,
                "max_positive": None,
                "suggester": {
                    "@misc": "spacy.ngram_range_suggester.v1",
                    "min_size": 1,
                    "max_size": max(1, min(max_span_tokens, MAX_SUGGESTED_TOKENS)),
                },
            },
        )
        weights |= {
            f"spans_{SPANS_KEY}_f": 1.0,
            f"spans_{SPANS_KEY}_p": 0.0,
            f"spans_{SPANS_KEY}_r": 0.0,
            # spancat's defaults name its default key "sc"; ours is claim_type.
            "spans_sc_f": None,
            "spans_sc_p": None,
            "spans_sc_r": None,
        }
        labels[SPANCAT] = {"labels": list(scheme.names("claim_type"))}
    elif spans == NER:
        nlp.add_pipe(NER)
        weights |= {"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None}
    elif spans is not None:
        raise ValueError(f"unknown span component {spans!r}")
    if stance:
        nlp.add_pipe(
            "textcat_multilabel",
            name=STANCE_COMPONENT,
            config={"threshold": 0.5, "model": _bag_of_words(exclusive=True)},
        )
        labels[STANCE_COMPONENT] = {"labels": list(scheme.names("stance"))}
    if topics:
        nlp.add_pipe(
            "textcat_multilabel",
            name=TOPICS_COMPONENT,
            config={"threshold": 0.5, "model": _bag_of_words(exclusive=False)},
        )
        labels[TOPICS_COMPONENT] = {"labels": list(scheme.names("topics"))}
    if stance or topics:
        # Both classifiers report as cats_*: spaCy keeps the last one's (the topics).
        weights["cats_score"] = 1.0
    config = nlp.config
    config["system"]["seed"] = seed
    # Equal shares of the final score for the span model and the classifiers.
    shares = sum(1 for weight in weights.values() if weight)
    config["training"]["score_weights"] = {
        key: weight / shares if weight else weight for key, weight in weights.items()
    }
    config["initialize"]["components"] = labels
    text: str = config.to_str()
    return text
