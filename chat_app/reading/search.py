"""What of a message the rules read nothing in is worth searching the catalog by."""

from __future__ import annotations

from chat_app.reading.negation import without_negated
from chat_app.reading.numbers import person_states
from chat_app.reading.vocabulary import COMMON
from retrieval.domain import Domain, movie_domain
from retrieval.lexical import GENERIC
from retrieval.match import fold, singular_forms

MIN_SEARCH_WORDS = 1
_ASKING = frozenset("just really pretty watch watching read reading recommend recommendation recommendations suggest "
                    "suggestion suggestions want wanna need looking give show find pick picks any some surprise".split())


def search_text(text: str, domain: Domain = movie_domain(), known: frozenset[str] | None = None) -> str:
    """What of a message that the rules read nothing in is worth searching for: its clauses that are not
    negated, or "" when they are only asking words ("anything good, just" found "Just Jim" by its title)."""
    kept = without_negated(text)
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    plain = COMMON | _ASKING | GENERIC | person_states() | set(STOPWORDS_EN_PLUS) \
        | {w.lower() for w in domain.nouns + domain.plural_nouns}
    content = [w for w in fold(kept).split() if w not in plain and len(w) > 2
               and (known is None or any(f in known for f in singular_forms(w)))]
    # words the catalog never uses anywhere ("idk something good") are no description to search by: the answer
    # is then widely loved items and a question back
    return kept if len(content) >= MIN_SEARCH_WORDS else ""
