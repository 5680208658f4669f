"""Scripted dialogues: replay YAML conversations through the app's own turn pipeline and check each turn.

    python -m chat_app.scripted tests/dialogues/suite.yaml --model small

A script is a list of dialogues; each turn has the user's text and optional expectations:

    likes / dislikes: [text]     the profile holds a like / dislike whose text contains each (case-insensitive)
    not_likes: [text]            no like contains it (a change of mind was applied)
    year_min / year_max / runtime_max: value or null     the constraint, exactly
    excluded: [genre]            genres excluded;   not_excluded: [genre]  genres no longer excluded
    required: [genre]            genres every pick must have one of
    seen: [title]                titles marked seen
    absent: [title]              never among this turn's picks
    seeded_by: [title]           at least one pick is close to (or co-liked with) this title
    liked_pick / disliked_pick / seen_pick: [n]   pick number n of the previous reply is now liked / disliked / seen
    avoid_tags: [tag]            no pick carries the tag
    intent: name                 the turn's understood intent
    feedback: [[pick number, like|dislike|seen]]   applied after the turn, as the UI buttons would

Every turn also gets the built-in checks: picks are catalog items, every hard constraint holds, nothing the
user mentioned or was shown before comes back, and each pick has an explanation. The report gives the pass
rate per assertion type; `constraints` must be 100%.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chat_app.feedback import apply_feedback
from chat_app.pipeline import Services, run_turn
from chat_app.session import SessionState


@dataclass
class Report:
    passed: dict = field(default_factory=lambda: defaultdict(int))
    total: dict = field(default_factory=lambda: defaultdict(int))
    failures: list = field(default_factory=list)
    turns: int = 0
    seconds: float = 0.0

    def check(self, kind: str, ok: bool, where: str, detail: str = "") -> None:
        self.total[kind] += 1
        self.passed[kind] += int(bool(ok))
        if not ok:
            self.failures.append(f"{where} [{kind}] {detail}")

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
        return "\n".join(rows)

    def to_json(self) -> dict:
        return {"rate": self.rate(), "turns": self.turns, "seconds": round(self.seconds, 1),
                "by_type": {k: {"passed": self.passed[k], "total": self.total[k]} for k in self.total},
                "failures": self.failures}


BUILT_IN = ("catalog", "constraints", "no_repeats", "explained")


def load_dialogues(path: str | Path) -> list[dict]:
    dialogues = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(dialogues, list) or not all(isinstance(d, dict) and d.get("turns") for d in dialogues):
        raise ValueError(f"{path}: expected a list of dialogues, each with 'name' and 'turns'")
    return dialogues


def _contains(values: list[str], wanted: str) -> bool:
    return any(wanted.lower() in v.lower() for v in values)


def check_turn(report: Report, services: Services, state: SessionState, view, expect: dict,
               shown_before: set[str], where: str, previous_picks: list[str] = ()) -> None:
    catalog, profile = services.catalog, state.profile
    picks = [r.ranked.item for r in view.recommendations]
    report.check("catalog", all(i.id in catalog for i in picks), where)
    broken = [(i.label, profile.constraints.violations(i)) for i in picks if not profile.constraints.satisfies(i)]
    report.check("constraints", not broken, where, str(broken))
    again = [i.label for i in picks if i.id in shown_before or i.id in profile.mentioned_ids()]
    report.check("no_repeats", not again, where, str(again))
    report.check("explained", all(len(r.explanation.strip()) >= 15 for r in view.recommendations), where)

    def texts(prefs) -> list[str]:  # what was said, and the catalog title a typed title was linked to
        return [p.text for p in prefs] + [catalog.get(p.item_id).title for p in prefs if catalog.get(p.item_id or "")]

    likes, dislikes = texts(profile.liked()), texts(profile.disliked())
    for text in expect.get("likes", []):
        report.check("likes", _contains(likes, text), where, f"{text!r} not in {likes}")
    for text in expect.get("dislikes", []):
        report.check("dislikes", _contains(dislikes, text), where, f"{text!r} not in {dislikes}")
    for text in expect.get("not_likes", []):
        report.check("not_likes", not _contains(likes, text), where, f"{text!r} still in {likes}")
    for name in ("year_min", "year_max", "runtime_max"):
        if name in expect:
            got = getattr(profile.constraints, name)
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


def run_dialogues(services: Services, dialogues: list[dict], *, progress=None) -> Report:
    report = Report()
    start = time.perf_counter()
    for d, dialogue in enumerate(dialogues, 1):
        state = SessionState()
        for t, turn in enumerate(dialogue["turns"], 1):
            where = f"{dialogue.get('name', d)} / turn {t}"
            shown_before, previous_picks = set(state.shown), list(state.last_picks)
            view = None
            for view in run_turn(services, state, turn["user"]):
                pass
            check_turn(report, services, state, view, turn.get("expect") or {}, shown_before, where, previous_picks)
            report.turns += 1
            for number, action in turn.get("feedback", []):
                apply_feedback(state, services.catalog, state.last_picks[number - 1], action)
        if progress:
            progress(d, len(dialogues), report)
    report.seconds = time.perf_counter() - start
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", type=Path, help="YAML file of dialogues")
    parser.add_argument("--model", default="small", help="default, small, a .gguf path, or an HF id")
    parser.add_argument("--no-llm", action="store_true", help="rule-based understanding only")
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write the report here too")
    args = parser.parse_args(argv)

    from chat_app.factory import build_services
    from chat_app.settings import Settings

    overrides = {"model": args.model, "no_llm": args.no_llm}
    if args.index_dir:
        overrides["index_dir"] = args.index_dir
    services = build_services(Settings(**overrides), progress=False)
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
