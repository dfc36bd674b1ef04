"""Words near a misspelt one: ``word~`` expansion and "did you mean", for both engines.

Candidates are the indexed terms that share the word's first letter (an engine lists
them in order, up to ``suggest_max_terms``); rapidfuzz measures the edit distance in C
(optimal string alignment: a swap of two letters is one edit, so ``dihc`` is one edit
from ``dich``). Both engines thus expand ``word~`` to the same terms, at most
``fuzzy_max_terms`` of them, closest first.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA

from archive.settings import Settings

from .analysis import WORD, fold
from .tree import And, Fuzzy, Node, Nothing, Or, ParsedQuery, Phrase, Prefer, Term

__all__ = ["neighbours", "expand_fuzzy", "suggest"]

_SUGGEST_LONGEST = 20  # a longer unknown "word" is not a typo of a syllable
_RANKED = 5  # candidates whose neighbours in the query are counted


class Vocabulary(Protocol):
    def terms(self, field: str, prefix: str, limit: int) -> list[str]: ...
    def doc_freq(self, field: str, term: str) -> int: ...
    def count(self, node: Node) -> int: ...


def neighbours(vocabulary: Vocabulary, field: str, word: str, distance: int, *,
               scan: int, limit: int) -> list[str]:
    """Indexed terms of ``field`` within ``distance`` edits of ``word`` (itself included
    when indexed), with its first letter: closest first, then in alphabetical order."""
    if not word:
        return []
    candidates = vocabulary.terms(field, word[0], scan)
    found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=distance,
                            limit=None)
    return [term for term, _, _ in sorted(found, key=lambda f: (f[1], f[0]))][:limit]


def expand_fuzzy(node: Node, vocabulary: Vocabulary,
                 settings: Settings) -> tuple[Node, list[str]]:
    """The tree with every ``word~n`` replaced by an OR of the terms it stands for, and
    those terms (to highlight)."""
    expanded: list[str] = []

    def walk(n: Node) -> Node:
        if isinstance(n, Fuzzy):
            terms = neighbours(vocabulary, n.field, n.word, n.distance,
                               scan=settings.suggest_max_terms, limit=settings.fuzzy_max_terms)
            expanded.extend(terms)
            return Or(tuple(Term(n.field, t) for t in terms)) if terms else Nothing()
        if isinstance(n, And):
            return And(tuple(map(walk, n.items)), tuple(map(walk, n.exclude)))
        if isinstance(n, Or):
            return Or(tuple(map(walk, n.items)))
        if isinstance(n, Prefer):
            return Prefer(walk(n.required), n.optional)
        return n
    return walk(node), expanded


def suggest(vocabulary: Vocabulary, text: str, parsed: ParsedQuery,
            settings: Settings) -> str | None:
    """The query with each unknown free word replaced by the closest indexed word.

    Among equally close words, the one that most often follows or precedes its
    neighbour in the query wins (``phong chong dihc`` → ``dich``, not ``dinh``).
    """
    context = [w for typed in parsed.words for w in WORD.findall(fold(typed))]
    unknown = [w for w in dict.fromkeys(context)
               if not w.isdigit() and len(w) <= _SUGGEST_LONGEST
               and not vocabulary.doc_freq("text", w)][:settings.suggest_max_words]
    changed = text
    for syllable in unknown:
        at = context.index(syllable)
        before = context[at - 1] if at > 0 else None
        after = context[at + 1] if at + 1 < len(context) else None
        for distance in (1, 2):
            options = [t for t in neighbours(vocabulary, "text", syllable, distance,
                                             scan=settings.suggest_max_terms, limit=50)
                       if t != syllable]
            if options:
                best = max(_best_known(vocabulary, options),
                           key=_in_context(vocabulary, before, after))
                changed = _replace_folded(changed, syllable, best)
                break
    return changed if changed != text else None


def _best_known(vocabulary: Vocabulary, options: list[str]) -> list[str]:
    return sorted(options, key=lambda t: -vocabulary.doc_freq("text", t))[:_RANKED]


def _in_context(vocabulary: Vocabulary, before: str | None,
                after: str | None) -> Callable[[str], tuple[int, int]]:
    def rank(term: str) -> tuple[int, int]:
        pairs = ([(before, term)] if before else []) + ([(term, after)] if after else [])
        return (sum(vocabulary.count(Phrase("text", pair)) for pair in pairs),
                vocabulary.doc_freq("text", term))
    return rank


def _replace_folded(text: str, syllable: str, better: str) -> str:
    """Replace the first word of ``text`` whose folded form is ``syllable``."""
    m = re.search(rf"(?<!\w){re.escape(syllable)}(?!\w)", fold(text))
    if not m:
        return text
    return text[:m.start()] + better + text[m.end():]
