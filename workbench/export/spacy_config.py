"""The ``config.cfg`` written beside the corpora: ``spacy train`` runs it without edits."""

from __future__ import annotations

from typing import Any, Final

from workbench.formats.spacy_docbin import SPANS_KEY
from workbench.scheme import Scheme

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


def spacy_config(scheme: Scheme, *, seed: int, max_span_tokens: int) -> str:
    """A complete training config for ``spacy.blank("en")``: ``spancat`` on the claim spans,
    an exclusive stance classifier and a multi-label topic classifier, labels from ``scheme``.

    The stance classifier is spaCy's ``textcat_multilabel`` pipe with an exclusive (softmax)
    model, because spaCy's ``textcat`` pipe refuses any document whose ``doc.cats`` holds more
    than one positive value, topics included (error E895), and because the multi-label pipe
    treats a stance that is absent from ``doc.cats`` as missing (no loss) rather than as
    "none of these": so documents without a stance train the spans and topics and leave the
    stance alone.
    """
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe(
        "spancat",
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
    nlp.add_pipe(
        "textcat_multilabel",
        name=STANCE_COMPONENT,
        config={"threshold": 0.5, "model": _bag_of_words(exclusive=True)},
    )
    nlp.add_pipe(
        "textcat_multilabel",
        name=TOPICS_COMPONENT,
        config={"threshold": 0.5, "model": _bag_of_words(exclusive=False)},
    )
    config = nlp.config
    config["system"]["seed"] = seed
    config["training"]["score_weights"] = {
        f"spans_{SPANS_KEY}_f": 0.5,
        f"spans_{SPANS_KEY}_p": 0.0,
        f"spans_{SPANS_KEY}_r": 0.0,
        # spancat's defaults name its default key "sc"; ours is claim_type.
        "spans_sc_f": None,
        "spans_sc_p": None,
        "spans_sc_r": None,
        # Both classifiers report as cats_*: spaCy keeps the last one's (the topics).
        "cats_score": 0.5,
    }
    config["initialize"]["components"] = {
        "spancat": {"labels": list(scheme.names("claim_type"))},
        STANCE_COMPONENT: {"labels": list(scheme.names("stance"))},
        TOPICS_COMPONENT: {"labels": list(scheme.names("topics"))},
    }
    text: str = config.to_str()
    return text
