"""Build the ReDial evaluation catalog: the 6,924 movies of ReDial, enriched from MovieLens, TMDB-5000, DBpedia
and Netflix.

ReDial names its movies "Title (Year)" with its own ids; `derived_redial_movie_join.csv` links them to
MovieLens (genres, user tags, ratings) and TMDB-5000 (overview, tagline, keywords, runtime, language,
companies, countries, original title); DBpedia is keyed by ReDial id (cast, crew, distributors, countries),
Netflix is matched on title and year (directors, cast, countries), as for the shipped catalog.
Items keep their ReDial id, so a dialogue's `@<id>` mentions are catalog ids. Popularity is the number of
ReDial mentions *outside* the dialogue files passed as `holdout` (nbMentions counts all of ReDial), so an
evaluation on a split never sees its own targets' counts. Ratings for the collaborative model are written
beside the catalog with MovieLens ids, as for the shipped catalog.

    python -m retrieval.redial_catalog --data ../shared/data --out .cache/redial-catalog
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from retrieval.build_catalog import all_tags, load_credits, movie_fields, read_tmdb
from retrieval.catalog import GENRES, Item, save_catalog
from retrieval.titles import split_title

MENTION = re.compile(r"@(\d+)")


def mention_counts(dialogue_files: list[Path]) -> Counter:
    """Message-level mention counts (the unit of nbMentions) in ReDial-format dialogue files."""
    counts: Counter = Counter()
    for path in dialogue_files:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    for message in json.loads(line).get("messages", []):
                        counts.update(MENTION.findall(str(message.get("text", ""))))
    return counts


def _int(value) -> int | None:
    return int(value) if pd.notna(value) else None


def build_items(data_dir: Path, holdout: list[Path] = (), skipped: Counter | None = None
                ) -> tuple[list[Item], pd.DataFrame]:
    skipped = Counter() if skipped is None else skipped
    redial, ml = data_dir / "redial", data_dir / "movielens-latest-small"
    movies = pd.read_csv(redial / "movies_with_mentions.csv")
    join = pd.read_csv(redial / "derived_redial_movie_join.csv").set_index("redial_movieId")
    ml_movies = pd.read_csv(ml / "movies.csv").set_index("movieId")
    ratings = pd.read_csv(ml / "ratings.csv")
    tags = all_tags(pd.read_csv(ml / "tags.csv"))
    stats = ratings.groupby("movieId").rating.agg(["count", "mean"])
    tmdb = read_tmdb(data_dir, skipped)
    films, netflix = load_credits(data_dir, tmdb, skipped)
    held_out = mention_counts(list(holdout))

    items = []
    for redial_id, name, mentions in zip(movies.movieId, movies.movieName, movies.nbMentions):
        title, year, aka = split_title(" ".join(str(name).split()))
        link = join.loc[redial_id] if redial_id in join.index else None
        ml_id = _int(link.ml_movieId) if link is not None else None
        tmdb_id = _int(link.tmdb5000_id) if link is not None else None
        tmdb_row = tmdb.loc[tmdb_id] if tmdb_id in tmdb.index else None
        if not title:  # a few ReDial names are only a year; TMDB knows the title
            row_title = tmdb_row.title if tmdb_row is not None else ""
            title = str(row_title).strip() if isinstance(row_title, str) else f"Untitled ReDial movie {redial_id}"
        genres: list[str] = []
        extra: dict = {}
        if ml_id is not None and ml_id in ml_movies.index:
            genres += [g for g in ml_movies.loc[ml_id].genres.split("|") if g in GENRES]
            count, mean = stats.loc[ml_id] if ml_id in stats.index else (0, None)
            extra.update(num_ratings=int(count), mean_rating=round(float(mean), 2) if mean is not None else None,
                         tags=tuple(tags.get(ml_id, ())))
        more_genres, fields = movie_fields(title, aka, year, tmdb_row, [films.get(str(redial_id))], netflix, skipped,
                                           original_title=bool(aka))
        extra.update(fields)
        items.append(Item(id=str(redial_id), title=title, year=year, aka=aka,
                          genres=tuple(dict.fromkeys(genres + more_genres)),
                          mentions=max(int(mentions) - held_out[str(redial_id)], 0), ml_id=ml_id,
                          tmdb_id=tmdb_id, **extra))
    return items, ratings[["userId", "movieId", "rating"]]


def build(data_dir: Path, out: Path, holdout: list[Path] = ()) -> Path:
    """Write catalog.jsonl.gz + ratings.csv.gz to `out`; returns the catalog path."""
    items, ratings = build_items(data_dir, holdout)
    out.mkdir(parents=True, exist_ok=True)
    path = save_catalog(items, out / "catalog.jsonl.gz")
    csv = ratings.to_csv(index=False).encode()
    (out / "ratings.csv.gz").write_bytes(gzip.compress(csv, compresslevel=9, mtime=0))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder with the raw datasets")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--holdout", type=Path, nargs="*", default=[],
                        help="ReDial dialogue files whose mentions must not count towards popularity")
    args = parser.parse_args(argv)
    path = build(args.data, args.out, args.holdout)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
