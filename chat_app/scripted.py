"""Scripted dialogues: replay YAML conversations through the app's own turn pipeline and check each turn.

    python -m chat_app.scripted tests/dialogues/suite.yaml --model small
    python -m chat_app.scripted books.yaml --catalog books --no-llm     # another catalog folder

A script is a list of dialogues; each turn has the user's text and optional expectations:

    likes / dislikes: [text]     the profile holds a like / dislike whose text contains each (case-insensitive)
    not_likes: [text]            no like contains it (a change of mind was applied)
    year_min / year_max / length_max: value or null      the constraint, exactly (length in the domain's
                                 unit; `runtime_max` is the movie files' name for length_max)
    excluded: [genre]            genres excluded;   not_excluded: [genre]  genres no longer excluded
    required: [genre]            genres every pick must have one of
    seen: [title]                titles marked seen
    absent: [title]              never among this turn's picks
    seeded_by: [title]           at least one pick is close to (or co-liked with) this title
    liked_pick / disliked_pick / seen_pick: [n]   pick number n of the previous reply is now liked / disliked / seen
    avoid_tags: [tag]            no pick carries the tag
    intent: name                 the turn's understood intent
    unlinked: [word]             no title, person or studio read off the messages (liked, disliked or seen) has
                                 this word, or its singular, as a whole word (a common word read as a name)
    answer: {pick: n, field: directors}   the reply states a value of that catalog field of pick n of the
                                 previous reply (directors, cast, runtime, genres, year, ...), or says the
                                 catalog does not say
    audience: name               the profile holds that audience limit (one of the domain's audiences)
    feedback: [[pick number, like|dislike|seen]]   applied after the turn, as the UI buttons would

Relevance, checked against catalog metadata (`retrieval.match`: whole words in title, other titles, keywords,
tags, overview, tagline, people, companies, countries):
    match: {terms: [zombie, undead], share: 0.6}   at least that share of the picks mention one of the terms
    nomatch: [mafia, mob]        no pick mentions any of them
    genres: {any: [Animation, Children], share: 0.8}   at least that share of the picks has one of the genres
    no_genres: [Horror]          no pick has any of them
    language: {any: [fr], share: 0.8}   at least that share of the picks is in one of the languages
    top100_max: 0.2              at most that share of the picks is among the catalog's 100 most-rated items
    closer_to: n / farther_from: n   the picks are on average more (less) similar to pick n of the previous
                                 reply than that reply's other picks were ("more like #2", "not #5")
    picks: 0                     no picks are expected (impossible limits); notice_contains: [word] the
                                 reply's text says these words

Every turn also gets the built-in checks: picks are catalog items, every hard constraint holds, nothing the
user mentioned or was shown before comes back, each pick has a complete explanation, and a turn that is not
small talk or a question shows picks whenever the catalog still holds an item within the limits. The report gives the pass rate per assertion type and
per dialogue tag, and across all picks: the share among the 100 most-rated items, distinct items, the
largest share of dialogues one item appears in, and latency. `constraints` must be 100%.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import yaml

from chat_app.feedback import apply_feedback
from chat_app.pipeline import Services, run_turn
from chat_app.session import SessionState
from retrieval.baselines import CONTROLS, control_ranker
from retrieval.comention import DEFAULT_PATH as COMENTION_PATH, CoMention
from retrieval.match import fold, mentions, singular_forms
from retrieval.rerank import parse_weights


@dataclass
class Report:
    passed: dict = field(default_factory=lambda: defaultdict(int))
    total: dict = field(default_factory=lambda: defaultdict(int))
    failures: list = field(default_factory=list)
    turns: int = 0
    seconds: float = 0.0
    by_tag: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # tag -> [passed, total]
    picks: list = field(default_factory=list)  # every shown id, in order
    dialogue_items: list = field(default_factory=list)  # per dialogue, the set of ids it showed
    latencies: list = field(default_factory=list)  # (first visible, whole turn) seconds per turn with picks
    top100: frozenset = frozenset()
    tags: tuple = ()  # the tags of the dialogue being run

    def check(self, kind: str, ok: bool, where: str, detail: str = "") -> None:
        self.total[kind] += 1
        self.passed[kind] += int(bool(ok))
        if kind not in BUILT_IN:
            for tag in self.tags:
                self.by_tag[tag][0] += int(bool(ok))
                self.by_tag[tag][1] += 1
        if not ok:
            self.failures.append(f"{where} [{kind}] {detail}")

    def stats(self) -> dict:
        """Across all picks: popularity, variety and latency."""
        shown = Counter(i for items in self.dialogue_items for i in items)
        first = [a for a, _ in self.latencies]
        whole = [b for _, b in self.latencies]
        return {
            "picks": len(self.picks),
            "top100_share": sum(i in self.top100 for i in self.picks) / len(self.picks) if self.picks else 0.0,
            "distinct": len(set(self.picks)),
            "max_dialogue_share": (max(shown.values()) / len(self.dialogue_items)) if shown else 0.0,
            "most_shown": shown.most_common(1)[0][0] if shown else None,
            "first_visible_p50_s": statistics.median(first) if first else 0.0,
            "first_visible_p95_s": float(np.percentile(first, 95)) if first else 0.0,
            "turn_p50_s": statistics.median(whole) if whole else 0.0,
        }

    def rate(self, kind: str | None = None) -> float:
        if kind:
            return self.passed[kind] / self.total[kind] if self.total[kind] else 1.0
        expected = [k for k in self.total if k not in BUILT_IN]
        total = sum(self.total[k] for k in expected)
        return sum(self.passed[k] for k in expected) / total if total else 1.0

    def table(self) -> str:
        rows = [f"{'assertion':14s} {'passed':>7s} {'total':>6s} {'rate':>7s}"]
        for kind in sorted(self.total, key=lambda k: (k in BUILT_IN, k)):
            rows.append(f"{kind:14s} {self.passed[kind]:7d} {self.total[kind]:6d} {self.rate(kind):7.1%}")
        rows.append(f"{'expectations':14s} {'':7s} {'':6s} {self.rate():7.1%}  (all but the built-in checks)")
        if self.by_tag:
            rows.append(f"\n{'dialogue tag':14s} {'passed':>7s} {'total':>6s} {'rate':>7s}")
            for tag, (ok, n) in sorted(self.by_tag.items()):
                rows.append(f"{tag:14s} {ok:7d} {n:6d} {ok / n if n else 1.0:7.1%}")
        st = self.stats()
        if st["picks"]:
            rows.append(f"\npicks {st['picks']}: {st['top100_share']:.1%} among the 100 most-rated items; "
                        f"{st['distinct']} distinct; the most shown item appears in {st['max_dialogue_share']:.1%} "
                        f"of dialogues; first picks visible p50 {st['first_visible_p50_s']:.2f} s (p95 "
                        f"{st['first_visible_p95_s']:.2f} s), whole turn p50 {st['turn_p50_s']:.2f} s")
        return "\n".join(rows)

    def to_json(self) -> dict:
        return {"rate": self.rate(), "turns": self.turns, "seconds": round(self.seconds, 1),
                "by_type": {k: {"passed": self.passed[k], "total": self.total[k]} for k in self.total},
                "by_tag": {t: {"passed": ok, "total": n} for t, (ok, n) in self.by_tag.items()},
                "stats": self.stats(), "failures": self.failures}


BUILT_IN = ("catalog", "constraints", "no_repeats", "explained", "answered")
RELEVANCE = ("match", "nomatch", "genres", "no_genres", "language", "top100_max", "closer_to", "farther_from",
             "picks", "notice_contains")


def load_dialogues(path: str | Path) -> list[dict]:
    dialogues = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(dialogues, list) or not all(isinstance(d, dict) and d.get("turns") for d in dialogues):
        raise ValueError(f"{path}: expected a list of dialogues, each with 'name' and 'turns'")
    return dialogues


def _contains(values: list[str], wanted: str) -> bool:
    return any(wanted.lower() in v.lower() for v in values)


def _share(picks, test) -> float:
    return sum(bool(test(i)) for i in picks) / len(picks) if picks else 0.0


def _mean_similarity(services: Services, ids: list[str], anchor: str) -> float | None:
    target = services.index.vector(anchor)
    vectors = [v for i in ids if i != anchor and (v := services.index.vector(i)) is not None]
    if target is None or not vectors:
        return None
    return float(np.mean(np.stack(vectors) @ target))


def complete_explanation(text: str) -> bool:
    """A whole sentence or more, not cut off mid-word."""
    text = text.strip()
    return len(text.split()) >= 3 and text[-1] in ".!?)"


def check_relevance(report: Report, services: Services, view, expect: dict, where: str,
                    previous_picks: list[str]) -> None:
    picks = [r.ranked.item for r in view.recommendations]
    labels = [i.label for i in picks]
    if "match" in expect:
        terms, share = expect["match"]["terms"], expect["match"].get("share", 1.0)
        got = _share(picks, lambda i: mentions(i, terms))
        report.check("match", picks and got >= share, where, f"{got:.0%} of {labels} mention {terms} (< {share:.0%})")
    if "nomatch" in expect:
        bad = [i.label for i in picks if mentions(i, expect["nomatch"])]
        report.check("nomatch", not bad, where, f"{bad} mention {expect['nomatch']}")
    if "genres" in expect:
        wanted, share = set(expect["genres"]["any"]), expect["genres"].get("share", 1.0)
        got = _share(picks, lambda i: wanted & set(i.genres))
        report.check("genres", picks and got >= share, where, f"{got:.0%} of {labels} in {sorted(wanted)}")
    if "no_genres" in expect:
        bad = [i.label for i in picks if set(expect["no_genres"]) & set(i.genres)]
        report.check("no_genres", not bad, where, f"{bad} have {expect['no_genres']}")
    if "language" in expect:
        wanted, share = set(expect["language"]["any"]), expect["language"].get("share", 1.0)
        got = _share(picks, lambda i: i.language in wanted)
        report.check("language", picks and got >= share, where, f"{got:.0%} of {labels} in {sorted(wanted)}")
    if "top100_max" in expect:
        got = _share(picks, lambda i: i.id in report.top100)
        report.check("top100_max", picks and got <= expect["top100_max"], where, f"{got:.0%} of {labels} in top 100")
    for key, closer in (("closer_to", True), ("farther_from", False)):
        if key in expect:
            n = expect[key]
            ok, detail = False, f"no pick {n} in {previous_picks}"
            if 0 < n <= len(previous_picks):
                anchor = previous_picks[n - 1]
                now = _mean_similarity(services, [i.id for i in picks], anchor)
                before = _mean_similarity(services, previous_picks, anchor)
                ok = now is not None and before is not None and (now > before if closer else now < before)
                detail = f"similarity to pick {n}: now {now}, before {before}"
            report.check(key, ok, where, detail)
    if "picks" in expect:
        report.check("picks", len(picks) == expect["picks"], where, f"{len(picks)} picks, expected {expect['picks']}")
    for word in expect.get("notice_contains", []):
        report.check("notice_contains", word.lower() in view.notice.lower(), where, f"{word!r} not in {view.notice!r}")


def check_turn(report: Report, services: Services, state: SessionState, view, expect: dict,
               shown_before: set[str], where: str, previous_picks: list[str] = ()) -> None:
    catalog, profile = services.catalog, state.profile
    picks = [r.ranked.item for r in view.recommendations]
    report.check("catalog", all(i.id in catalog for i in picks), where)
    domain = services.domain
    broken = [(i.label, profile.constraints.violations(i, domain)) for i in picks
              if not profile.constraints.satisfies(i, domain)]
    report.check("constraints", not broken, where, str(broken))
    again = [i.label for i in picks if i.id in shown_before or i.id in profile.mentioned_ids()]
    report.check("no_repeats", not again, where, str(again))
    cut = [r.ranked.item.label for r in view.recommendations if not complete_explanation(r.explanation)]
    report.check("explained", not cut, where, f"no complete explanation for {cut}")
    if "picks" not in expect and view.intent not in ("chitchat", "question"):
        gone = shown_before | profile.mentioned_ids()
        can = any(profile.constraints.satisfies(i, domain) and i.id not in gone for i in catalog)
        report.check("answered", bool(picks) or not can, where, f"no picks for a {view.intent} turn: {view.notice!r}")
    check_relevance(report, services, view, expect, where, list(previous_picks))
    if "audience" in expect:
        got = profile.constraints.audience
        report.check("audience", got == expect["audience"], where, f"audience={got}, expected {expect['audience']}")

    def texts(prefs) -> list[str]:  # what was said, and the catalog title a typed title was linked to
        return [p.text for p in prefs] + [catalog.get(p.item_id).title for p in prefs if catalog.get(p.item_id or "")]

    likes, dislikes = texts(profile.liked()), texts(profile.disliked())
    for text in expect.get("likes", []):
        report.check("likes", _contains(likes, text), where, f"{text!r} not in {likes}")
    for text in expect.get("dislikes", []):
        report.check("dislikes", _contains(dislikes, text), where, f"{text!r} not in {dislikes}")
    for text in expect.get("not_likes", []):
        report.check("not_likes", not _contains(likes, text), where, f"{text!r} still in {likes}")
    for name in ("year_min", "year_max", "length_max", "runtime_max"):
        if name in expect:
            got = getattr(profile.constraints, "length_max" if name == "runtime_max" else name)
            report.check(name, got == expect[name], where, f"{name}={got}, expected {expect[name]}")
    for genre in expect.get("excluded", []):
        report.check("excluded", genre in profile.constraints.genres_excluded, where,
                     f"{genre} not in {profile.constraints.genres_excluded}")
    for genre in expect.get("required", []):
        report.check("required", genre in profile.constraints.genres_required, where,
                     f"{genre} not in {profile.constraints.genres_required}")
    for genre in expect.get("not_excluded", []):
        report.check("not_excluded", genre not in profile.constraints.genres_excluded, where, genre)
    seen_titles = [catalog.get(i).title for i in profile.seen if catalog.get(i)]
    for title in expect.get("seen", []):
        report.check("seen", _contains(seen_titles, title), where, f"{title!r} not in {seen_titles}")
    for title in expect.get("absent", []):
        report.check("absent", title.lower() not in {i.title.lower() for i in picks}, where, title)
    for title in expect.get("seeded_by", []):
        seed = services.titles.link(title)
        close = any(seed in r.ranked.because for r in view.recommendations)
        if not close and services.cf is not None and seed:
            co_liked = {i for i, _ in services.cf.top([seed], 100)}
            close = any(i.id in co_liked for i in picks)
        report.check("seeded_by", bool(seed) and close, where, title)
    for tag in expect.get("avoid_tags", []):
        report.check("avoid_tags", not any(tag.lower() in " ".join(i.tags).lower() for i in picks), where, tag)
    for key, ids in (("liked_pick", {p.item_id for p in profile.liked("item")}),
                     ("disliked_pick", {p.item_id for p in profile.disliked("item")}), ("seen_pick", profile.seen)):
        for number in expect.get(key, []):
            ok = 0 < number <= len(previous_picks) and previous_picks[number - 1] in ids
            report.check(key, ok, where, f"pick {number} of {previous_picks}")
    if "intent" in expect:
        report.check("intent", view.intent == expect["intent"], where, f"{view.intent} != {expect['intent']}")
    if expect.get("unlinked"):
        linked = linked_names(services, profile)
        for word in expect["unlinked"]:
            bad = [name for name in linked if _has_word(name, word)]
            report.check("unlinked", not bad, where, f"{word!r} was linked as {bad}")
    if "answer" in expect:
        report.check("answer", *_answers(services, view.notice, expect["answer"], list(previous_picks)), where)


_UNKNOWN = re.compile(r"\b(doesn'?t|does not|don'?t|do not) (say|list|know)|\bnot (listed|known)\b", re.IGNORECASE)


def linked_names(services: Services, profile) -> list[str]:
    """Every title, person and studio the reading linked: what was typed and the catalog title it means."""
    catalog = services.catalog
    names = []
    for pref in profile.preferences:
        if pref.kind in ("item", "person", "studio"):
            names.append(pref.text)
            if pref.item_id and (item := catalog.get(pref.item_id)):
                names.append(item.title)
    return names + [catalog.get(i).title for i in profile.seen if catalog.get(i)]


def _has_word(name: str, word: str) -> bool:
    forms = {fold(word)} | set(singular_forms(fold(word)))
    return any(re.search(rf"\b{re.escape(f)}\b", fold(name)) for f in forms if f)


def _answers(services: Services, notice: str, want: dict, previous_picks: list[str]) -> tuple[bool, str]:
    n, name = want["pick"], want["field"]
    if not 0 < n <= len(previous_picks):
        return False, f"no pick {n} in {previous_picks}"
    item = services.catalog.get(previous_picks[n - 1])
    value = getattr(item, name, None)
    values = [str(v) for v in value] if isinstance(value, (list, tuple)) else ([str(value)] if value else [])
    if not values:
        return bool(_UNKNOWN.search(notice)), f"{item.label} has no {name}; the reply does not say so: {notice!r}"
    return any(v.lower() in notice.lower() for v in values), f"none of {values} in {notice!r}"


def run_dialogues(services: Services, dialogues: list[dict], *, progress=None) -> Report:
    top100 = frozenset(i.id for i in sorted(services.catalog, key=lambda i: -i.num_ratings)[:100])
    report = Report(top100=top100)
    start = time.perf_counter()
    for d, dialogue in enumerate(dialogues, 1):
        state = SessionState()
        report.tags = tuple(dialogue.get("tags") or ())
        shown: set[str] = set()
        for t, turn in enumerate(dialogue["turns"], 1):
            where = f"{dialogue.get('name', d)} / turn {t}"
            shown_before, previous_picks = set(state.shown), list(state.last_picks)
            view = None
            turn_start = time.perf_counter()
            for view in run_turn(services, state, turn["user"]):
                pass
            if view.recommendations:
                ids = [r.ranked.item.id for r in view.recommendations]
                report.picks += ids
                shown |= set(ids)
                report.latencies.append((view.timings.get("first_visible_s", 0.0), time.perf_counter() - turn_start))
            check_turn(report, services, state, view, turn.get("expect") or {}, shown_before, where, previous_picks)
            report.turns += 1
            for number, action in turn.get("feedback", []):
                apply_feedback(state, services.catalog, state.last_picks[number - 1], action)
        report.dialogue_items.append(shown)
        if progress:
            progress(d, len(dialogues), report)
    report.seconds = time.perf_counter() - start
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", type=Path, help="YAML file of dialogues")
    parser.add_argument("--model", default="small", help="default, small, a .gguf path, or an HF id")
    parser.add_argument("--no-llm", action="store_true", help="rule-based understanding only")
    parser.add_argument("--reading", choices=("gloss", "json"), default="gloss",
                        help="how the LLM reads each message (see chat_app.extract)")
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--catalog", default=None, help="catalog folder or name (default: the movies)")
    parser.add_argument("--json", type=Path, default=None, help="write the report here too")
    parser.add_argument("--ranker", choices=("app",) + CONTROLS, default="app",
                        help="replace the app's ranking with a negative control (the suite must fail with it)")
    parser.add_argument("--weights", type=parse_weights, default=None,
                        help="reranker weights to change from the defaults, e.g. 'comention=0.2'")
    parser.add_argument("--comention", default=str(COMENTION_PATH),
                        help="co-mention model (.npz) to rank with, or 'none' (default: the shipped one)")
    args = parser.parse_args(argv)

    from chat_app.factory import build_services
    from chat_app.settings import Settings

    overrides = {"model": args.model, "llm": not args.no_llm, "reading": args.reading}
    if args.index_dir:
        overrides["index_dir"] = args.index_dir
    if args.catalog:
        overrides["catalog"] = args.catalog
    services = build_services(Settings(**overrides), progress=False)
    if args.comention == "none":
        services = replace(services, comention=None)
    elif Path(args.comention) != COMENTION_PATH:  # the shipped model is loaded by build_services already
        services = replace(services, comention=CoMention.load(services.catalog, "movielens", args.comention))
    if args.weights is not None:
        services = replace(services, weights=args.weights)
    if args.ranker != "app":
        services = replace(services, ranker=control_ranker(args.ranker, services.catalog))
    report = run_dialogues(services, load_dialogues(args.script),
                           progress=lambda d, n, r: print(f"dialogue {d}/{n}: {r.rate():.1%} so far", flush=True))
    print(report.table())
    print(f"{report.turns} turns in {report.seconds:.0f} s")
    for failure in report.failures:
        print("  FAIL", failure)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.to_json(), indent=2))
    return 0 if report.rate("constraints") == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
