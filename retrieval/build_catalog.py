"""Build the shipped movie catalog from the raw datasets (MovieLens ml-latest-small + TMDB-5000).

Run once by a maintainer; the result is committed under retrieval/data so a fresh clone needs no datasets:

    python -m retrieval.build_catalog --data ../shared/data --out retrieval/data

Writes catalog.jsonl.gz (one item per line), ratings.csv.gz (userId,movieId,rating for collaborative
signals) and ATTRIBUTION.md with the licences the data comes under.
"""

from __future__ import annotations

import argparse
import gzip
import json
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

from retrieval.catalog import GENRES, Item, save_catalog
from retrieval.titles import split_title

# TMDB genre names that have a MovieLens equivalent; others are left out so the vocabulary stays fixed.
_TMDB_TO_ML = {
    "Action": "Action", "Adventure": "Adventure", "Animation": "Animation", "Comedy": "Comedy",
    "Crime": "Crime", "Documentary": "Documentary", "Drama": "Drama", "Family": "Children",
    "Fantasy": "Fantasy", "Horror": "Horror", "Music": "Musical", "Mystery": "Mystery",
    "Romance": "Romance", "Science Fiction": "Sci-Fi", "Thriller": "Thriller", "War": "War",
    "Western": "Western",
}
_SKIP_TAGS = {"in netflix queue", "netflix finland", "bd-r", "dvd-video", "clv", "seen more than once"}
MAX_TAGS, MAX_KEYWORDS, MAX_OVERVIEW = 10, 12, 600


def _names(raw: object) -> list[str]:
    if not isinstance(raw, str) or not raw:
        return []
    return [entry["name"] for entry in json.loads(raw) if entry.get("name")]


def _top_tags(tags: pd.DataFrame) -> dict[int, list[str]]:
    counts: dict[int, Counter] = defaultdict(Counter)
    shown: dict[tuple[int, str], str] = {}
    for movie_id, tag in zip(tags.movieId, tags.tag.astype(str)):
        key = tag.strip().lower()
        if key and key not in _SKIP_TAGS:
            counts[movie_id][key] += 1
            shown.setdefault((movie_id, key), tag.strip())
    return {m: [shown[(m, k)] for k, _ in c.most_common(MAX_TAGS)] for m, c in counts.items()}


def _clip(text: object, limit: int) -> str:
    text = " ".join(str(text).split()) if isinstance(text, str) else ""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def tmdb_fields(row: pd.Series) -> tuple[list[str], dict]:
    """A TMDB-5000 row as (catalog genres, Item fields): overview, tagline, keywords, runtime, language."""
    runtime = row.runtime
    return [_TMDB_TO_ML[g] for g in _names(row.genres) if g in _TMDB_TO_ML], {
        "overview": _clip(row.overview, MAX_OVERVIEW),
        "tagline": _clip(row.tagline, 200),
        "keywords": tuple(_names(row.keywords)[:MAX_KEYWORDS]),
        "runtime": int(runtime) if pd.notna(runtime) and runtime > 0 else None,
        "language": row.original_language if isinstance(row.original_language, str) else None,
    }


def build_items(data_dir: Path) -> tuple[list[Item], pd.DataFrame]:
    ml = data_dir / "movielens-latest-small"
    movies = pd.read_csv(ml / "movies.csv")
    links = pd.read_csv(ml / "links.csv", dtype={"imdbId": str})
    ratings = pd.read_csv(ml / "ratings.csv")
    tags = _top_tags(pd.read_csv(ml / "tags.csv"))
    with zipfile.ZipFile(data_dir / "tmdb-5000" / "tmdb_5000_movies.csv.zip") as zf:
        tmdb = pd.read_csv(zf.open("tmdb_5000_movies.csv")).set_index("id")

    stats = ratings.groupby("movieId").rating.agg(["count", "mean"])
    tmdb_of = dict(zip(links.movieId, links.tmdbId))
    items = []
    for movie_id, raw_title, raw_genres in zip(movies.movieId, movies.title, movies.genres):
        title, year, aka = split_title(raw_title)
        genres = [g for g in raw_genres.split("|") if g in GENRES]
        tmdb_id = tmdb_of.get(movie_id)
        tmdb_id = int(tmdb_id) if pd.notna(tmdb_id) else None
        extra: dict = {}
        if tmdb_id in tmdb.index:
            tmdb_genres, extra = tmdb_fields(tmdb.loc[tmdb_id])
            genres += tmdb_genres
        count, mean = (stats.loc[movie_id] if movie_id in stats.index else (0, None))
        items.append(Item(
            id=str(movie_id), title=title, year=year, aka=aka,
            genres=tuple(dict.fromkeys(genres)), tags=tuple(tags.get(movie_id, ())),
            num_ratings=int(count), mean_rating=round(float(mean), 2) if mean is not None else None,
            ml_id=int(movie_id), tmdb_id=tmdb_id, **extra,
        ))
    return items, ratings[["userId", "movieId", "rating"]]


ATTRIBUTION = """# Where this catalog comes from

- **MovieLens ml-latest-small** (GroupLens Research, generated 2018-09-26): titles, years, genres, user
  tags and ratings. F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and
  Context. ACM TiiS 5, 4: 19:1–19:19. https://doi.org/10.1145/2827872
  Licence: research use; redistribution of the data and transformations of it only under the same terms;
  no commercial or revenue-bearing use without permission of GroupLens; no endorsement by the University
  of Minnesota or GroupLens is stated or implied. The full terms are in MOVIELENS_README.txt beside this file.
- **TMDB 5000 Movie Dataset**: overviews, taglines, keywords, runtimes and original languages for the
  movies that link to it. This product uses the TMDB API but is not endorsed or certified by TMDB.

Rebuild with `python -m retrieval.build_catalog --data ../shared/data --out retrieval/data`.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder with the raw datasets")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data", help="output folder")
    args = parser.parse_args(argv)
    items, ratings = build_items(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    save_catalog(items, args.out / "catalog.jsonl.gz")
    csv = ratings.to_csv(index=False).encode()
    (args.out / "ratings.csv.gz").write_bytes(gzip.compress(csv, compresslevel=9, mtime=0))
    (args.out / "ATTRIBUTION.md").write_text(ATTRIBUTION)
    (args.out / "MOVIELENS_README.txt").write_bytes((args.data / "movielens-latest-small" / "README.txt").read_bytes())
    with_overview = sum(1 for item in items if item.overview)
    print(f"wrote {len(items)} items ({with_overview} with TMDB overviews) and {len(ratings)} ratings to {args.out}")


if __name__ == "__main__":
    main()
