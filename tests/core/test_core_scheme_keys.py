"""Scheme hotkeys never take a key the screen they are used on already binds (headless)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import SchemeError
from workbench.scheme import FREE_KEYS, TAKEN_KEYS, load_scheme, parse_scheme


def scheme_file(tmp_path: Path, claim_types: str, stance: str = 'name = "S"') -> Path:
    path = tmp_path / "scheme.toml"
    path.write_text(
        f'{claim_types}\n[[stance]]\n{stance}\n[[topics]]\nname = "T"\n', encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("key", "use"),
    [
        ("d", 'the annotation screen\'s key for "Done → next"'),
        ("q", 'the annotation screen\'s key for "List"'),
        ("u", 'the annotation screen\'s key for "Undo"'),
        ("a", 'the review screen\'s key for "Accept"'),
        (".", 'the article\'s key for "Select sentence"'),
        ("?", 'the app\'s key for "Help"'),
    ],
)
def test_a_claim_type_key_the_screen_binds_is_refused(tmp_path: Path, key: str, use: str) -> None:
    first = "".join(f'[[claim_type]]\nname = "A{i}"\n' for i in range(3))
    path = scheme_file(tmp_path, f'{first}[[claim_type]]\nname = "D"\nkey = "{key}"')
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert str(caught.value) == f"{path}: claim_type[3] (D).key: {key!r} is {use}; choose another"


def test_stance_and_topic_keys_may_be_article_keys_but_not_the_apps(tmp_path: Path) -> None:
    """They are used in the chooser, where d, q and u mean nothing; help is everywhere."""
    scheme = load_scheme(
        scheme_file(tmp_path, '[[claim_type]]\nname = "A"', 'name = "S"\nkey = "d"')
    )
    assert scheme.stance[0].key == "d"
    path = scheme_file(tmp_path, '[[claim_type]]\nname = "A"', 'name = "S"\nkey = "?"')
    with pytest.raises(SchemeError, match=r"stance\[0\] \(S\).key: '\?' is the app's key"):
        load_scheme(path)


def test_keys_handed_out_past_the_ninth_skip_taken_ones() -> None:
    names = [f"C{i}" for i in range(19)]  # every free key (f is the annotation screen's flag)
    scheme = parse_scheme(
        {
            "claim_type": [{"name": n} for n in names],
            "stance": [{"name": "S"}],
            "topics": [{"name": "T"}],
        },
        "test",
    )
    keys = [label.key for label in scheme.claim_type]
    assert keys[:9] == list("123456789")
    assert keys[9:] == [k for k in FREE_KEYS[9:] if k not in TAKEN_KEYS["claim_type"]][:10]
    assert not set(keys) & set(TAKEN_KEYS["claim_type"])
    assert keys[9:13] == ["b", "e", "g", "h"]  # not a (accept), c (compare), d (done), f (flag)


def test_a_stored_scheme_with_a_taken_key_is_refused_too() -> None:
    """One rule for every source; a database opened with a scheme file gets the file's keys."""
    data = {
        "claim_type": [{"name": "A", "key": "u", "color": "#ffffff"}],
        "stance": [{"name": "S"}],
        "topics": [{"name": "T"}],
    }
    with pytest.raises(SchemeError, match='is the annotation screen\'s key for "Undo"'):
        parse_scheme(data, "the scheme stored in the database")
