"""How often the meaning reader (retrieval/meaning.py) offers a term a request's `match` check names.

    python scripts/meaning_check.py tests/dialogues/requests.yaml tests/dialogues/heldout.yaml

Over the first turn of each dialogue that is in English and has two or more words no reader used (where the
app asks the reader), prints each term offered beside the check's terms, then the counts: the offered term is
one of the check's terms (good), another term (bad), no term (none), or the turn has no `match` check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)

    import yaml

    from chat_app.factory import build_services
    from chat_app.gloss import MIN_UNREAD, unaccounted
    from chat_app.reading.language import in_english
    from chat_app.rules import read_message
    from chat_app.settings import Settings
    from retrieval.match import fold

    services = build_services(Settings(llm=False), progress=False)
    domain = services.catalog.domain
    counts = {"good": 0, "bad": 0, "none": 0, "no check": 0}
    for path in args.files:
        for dialogue in yaml.safe_load(path.read_text(encoding="utf-8")):
            turn = dialogue["turns"][0]
            message = turn["user"]
            if not in_english(message):
                continue
            rules = read_message(message, services.titles, 1, lexicon=services.lexicon, domain=domain)
            if len(unaccounted(rules, message, domain)) < MIN_UNREAD:
                continue
            offered = services.meaning.themes(message)[:1]
            terms = [fold(t) for t in (turn.get("expect") or {}).get("match", {}).get("terms", [])]
            if not terms:
                verdict = "no check"
            elif not offered:
                verdict = "none"
            else:
                term = offered[0][0]
                verdict = "good" if any(t in term or term in t for t in terms) else "bad"
            counts[verdict] += 1
            print(f"{verdict:8s} {[t for t, _ in offered]} <- {message[:80]!r} | {terms[:4]}")
    print(counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
