"""INSPIRED (Hayati et al., EMNLP 2020) dialogues as the harness's `Dialogue`s, so they replay like ReDial's.

`dev.tsv` has one row per utterance with the speaker and the titles it mentions ("Title (Year)", several
joined by ";"). A mentioned title becomes the id of the catalog item with the same normalised title and
year (or, failing the year, the only item with that title); a title the catalog lacks becomes an id no
catalog has ("inspired:<title>"), so its samples count as misses and the report's coverage says how many.
The text is kept as written: INSPIRED writes titles in plain text, which the app's reading finds as it
would a person's. Left out: `dev_unicrs.jsonl` (the same 99 dialogues; its DBpedia links are not used).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chat_app.eval.dialogues import Dialogue, DialogueFileError, Utterance
from retrieval.catalog import Catalog
from retrieval.titles import normalize, split_title

COLUMNS = ("dialog_id", "speaker", "text", "movies")
MISSING = "inspired:"


def titles_of(cell) -> list[str]:
    return [t.strip() for t in str(cell).split(";") if t.strip()] if isinstance(cell, str) else []


def read_inspired(path: str | Path) -> list[Dialogue]:
    """Dialogues with mentions as "Title (Year)" strings (see `with_catalog_ids`)."""
    path = Path(path)
    if not path.is_file():
        raise DialogueFileError(f"INSPIRED file not found: {path}")
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=3)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DialogueFileError(f"{path}: not an INSPIRED .tsv (no column {', '.join(missing)})")
    dialogues = []
    for dialog_id, rows in df.groupby("dialog_id", sort=False):
        utterances = tuple(Utterance(r.speaker.strip().upper() == "SEEKER", r.text,
                                     tuple(dict.fromkeys(titles_of(r.movies))))
                           for r in rows.itertuples())
        dialogues.append(Dialogue(str(dialog_id), utterances, {}))
    if not dialogues:
        raise DialogueFileError(f"{path} has no dialogues")
    return dialogues


def title_map(catalog: Catalog) -> dict[tuple[str, int | None], str]:
    """(normalised title, year) -> id, and (normalised title, None) -> id when only one item has the title."""
    out: dict[tuple[str, int | None], str] = {}
    by_title: dict[str, list[str]] = {}
    for item in catalog:
        key = normalize(item.title)
        out.setdefault((key, item.year), item.id)
        by_title.setdefault(key, []).append(item.id)
    for key, ids in by_title.items():
        if len(ids) == 1:
            out.setdefault((key, None), ids[0])
    return out


def catalog_id(title: str, titles: dict[tuple[str, int | None], str]) -> str:
    name, year, _ = split_title(title)
    key = normalize(name)
    for y in (year, (year or 0) - 1, (year or 0) + 1, None):
        if (key, y) in titles:
            return titles[(key, y)]
    return MISSING + title


def with_catalog_ids(dialogues: list[Dialogue], catalog: Catalog) -> list[Dialogue]:
    titles = title_map(catalog)
    return [Dialogue(d.id, tuple(Utterance(u.seeker, u.text, tuple(dict.fromkeys(catalog_id(t, titles)
                                                                             for t in u.mentions)))
                                 for u in d.utterances), {}) for d in dialogues]
