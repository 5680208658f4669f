"""Build the shipped movie catalog from the raw datasets: MovieLens ml-latest-small, TMDB-5000, DBpedia, Netflix.

Run once by a maintainer; the result is committed under retrieval/data so a fresh clone needs no datasets:

    python -m retrieval.build_catalog --data ../shared/data --out retrieval/data
    python -m retrieval.build_catalog --coverage retrieval/data/catalog.jsonl.gz   # only print field coverage

Writes catalog.jsonl.gz (one item per line), ratings.csv.gz (userId,movieId,rating for collaborative
signals) and ATTRIBUTION.md with the licences the data comes under. MovieLens gives the items, genres, tags
and ratings; TMDB overviews, keywords, languages, companies, countries and original titles; The Movies Dataset
TMDB's keywords for most other movies (and the overviews of its first rows); DBpedia (through ReDial's links)
and Netflix people. The readers for DBpedia and Netflix live in `retrieval.sources`.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

from retrieval.catalog import GENRES, TUPLE_FIELDS, Item, load_catalog, save_catalog
from retrieval.sources import (DBpediaFilm, NetflixIndex, clean_text, country_name, dbpedia_fields,
                               language_from_countries, load_dbpedia, load_netflix, merge_fields, other_titles)
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
MAX_OVERVIEW, MAX_TAGLINE, MAX_WORDS, MAX_TITLE = 600, 200, 80, 200
MAX_TMDB_COMPANIES = 4  # leaves room for a DBpedia distributor within CAPS["companies"]
COVERAGE_FIELDS = ("overview", "tagline", "keywords", "tags", "language", "runtime", "aka", "alt_titles", "cast",
                   "directors", "writers", "composers", "companies", "countries")


def _names(raw: object, skipped: Counter) -> list[str]:
    """The "name"s of a TMDB JSON list ('[{"name": "Studio Ghibli", "id": 10342}]')."""
    if not isinstance(raw, str) or not raw:
        return []
    try:
        entries = json.loads(raw)
    except ValueError:
        entries = None
    if not isinstance(entries, list):
        skipped["tmdb: unreadable JSON list"] += 1
        return []
    return [clean_text(e["name"], MAX_WORDS) for e in entries
            if isinstance(e, dict) and isinstance(e.get("name"), str) and e["name"].strip()]


def all_tags(tags: pd.DataFrame) -> dict[int, list[str]]:
    """Every distinct tag of each movie (case-folded), most used first, without the bookkeeping tags."""
    counts: dict[int, Counter] = defaultdict(Counter)
    shown: dict[tuple[int, str], str] = {}
    for movie_id, tag in zip(tags.movieId, tags.tag):
        text = clean_text(tag, MAX_WORDS)
        key = text.lower()
        if key and key not in _SKIP_TAGS:
            counts[movie_id][key] += 1
            shown.setdefault((movie_id, key), text)
    return {m: [shown[(m, k)] for k, _ in c.most_common()] for m, c in counts.items()}


def tmdb_fields(row: pd.Series, skipped: Counter) -> tuple[list[str], dict]:
    """A TMDB-5000 row as (catalog genres, Item fields): overview, tagline, keywords, runtime, language,
    production companies and countries, and the original title as an alternative title."""
    runtime = pd.to_numeric(row.runtime, errors="coerce")
    language = row.original_language
    return [_TMDB_TO_ML[g] for g in _names(row.genres, skipped) if g in _TMDB_TO_ML], {
        "overview": clean_text(row.overview, MAX_OVERVIEW),
        "tagline": clean_text(row.tagline, MAX_TAGLINE),
        "keywords": tuple(_names(row.keywords, skipped)),
        "runtime": int(runtime) if pd.notna(runtime) and 0 < runtime < 10_000 else None,
        "language": language if isinstance(language, str) and language.isalpha() and len(language) == 2 else None,
        "companies": tuple(_names(row.production_companies, skipped)[:MAX_TMDB_COMPANIES]),
        "countries": tuple(country_name(c) for c in _names(row.production_countries, skipped)),
        "alt_titles": other_titles([clean_text(row.original_title, MAX_TITLE)], clean_text(row.title, MAX_TITLE)),
    }


def read_tmdb(data_dir: Path, skipped: Counter) -> pd.DataFrame:
    """The TMDB-5000 movies by TMDB id; a line the CSV parser cannot split is counted and skipped."""
    def bad_line(fields: list[str]) -> None:
        skipped["tmdb: unreadable row"] += 1

    with zipfile.ZipFile(data_dir / "tmdb-5000" / "tmdb_5000_movies.csv.zip") as zf:
        tmdb = pd.read_csv(zf.open("tmdb_5000_movies.csv"), engine="python", on_bad_lines=bad_line)
    tmdb["id"] = pd.to_numeric(tmdb["id"], errors="coerce")
    skipped["tmdb: row without an id"] += int(tmdb["id"].isna().sum())
    return tmdb.dropna(subset=["id"]).astype({"id": int}).drop_duplicates("id").set_index("id")


def read_movies_dataset(data_dir: Path, skipped: Counter) -> dict[int, dict]:
    """Item fields by TMDB id from The Movies Dataset: TMDB keywords for 31,000 movies (most of the catalog's, where
    TMDB-5000 has 35%), and the overview, tagline and runtime of the rows of movies_metadata that are staged
    (its first 2,996). Missing files give nothing."""
    folder = data_dir / "movies-dataset"
    out: dict[int, dict] = defaultdict(dict)
    if (folder / "keywords.csv.gz").exists():
        keywords = pd.read_csv(folder / "keywords.csv.gz", dtype={"id": str})
        for raw_id, raw in zip(keywords.id, keywords.keywords):
            try:
                tmdb_id, entries = int(raw_id), ast.literal_eval(raw) if isinstance(raw, str) else []
            except (ValueError, SyntaxError):
                skipped["movies-dataset: unreadable keywords row"] += 1
                continue
            names = [clean_text(e["name"], MAX_WORDS) for e in entries if isinstance(e, dict)
                     and isinstance(e.get("name"), str) and e["name"].strip()]
            if names:
                out[tmdb_id]["keywords"] = tuple(dict.fromkeys(out[tmdb_id].get("keywords", ()) + tuple(names)))
    if (folder / "movies_metadata_first2996.csv.gz").exists():
        meta = pd.read_csv(folder / "movies_metadata_first2996.csv.gz", dtype=str)
        for raw_id, overview, tagline, runtime in zip(meta.id, meta.overview, meta.tagline, meta.runtime):
            if not str(raw_id).isdigit():
                skipped["movies-dataset: metadata row without an id"] += 1
                continue
            minutes = pd.to_numeric(runtime, errors="coerce")
            out[int(raw_id)].update({
                "overview": clean_text(overview, MAX_OVERVIEW), "tagline": clean_text(tagline, MAX_TAGLINE),
                "runtime": int(minutes) if pd.notna(minutes) and 0 < minutes < 10_000 else None})
    return dict(out)


def load_credits(data_dir: Path, tmdb: pd.DataFrame, skipped: Counter) -> tuple[dict[str, DBpediaFilm], NetflixIndex]:
    """DBpedia films by ReDial id and the Netflix movies; DBpedia countries are kept when TMDB or Netflix
    also name that country, so "Cinema of Italy" or "Dingle Peninsula" never count as one."""
    netflix = load_netflix(data_dir / "people" / "netflix_titles.csv", skipped)
    countries = netflix.countries | {country_name(c) for raw in tmdb.production_countries
                                     for c in _names(raw, Counter())}
    return load_dbpedia(data_dir / "dbpedia-redial", countries, skipped), netflix


def movie_fields(title: str, aka: str, year: int | None, tmdb_row: pd.Series | None, films: list[DBpediaFilm | None],
                 netflix: NetflixIndex, skipped: Counter, original_title: bool = False,
                 more_tmdb: dict | None = None) -> tuple[list[str], dict]:
    """Genres and Item fields of one movie from TMDB-5000, The Movies Dataset's TMDB fields (`more_tmdb`),
    DBpedia and Netflix, trusted in that order. DBpedia's language and the countries' language count only where
    TMDB has none (see language_from_countries); `original_title` says the aka is the title in the original
    language."""
    genres, from_tmdb = tmdb_fields(tmdb_row, skipped) if tmdb_row is not None else ([], {})
    from_dbpedia = dict(dbpedia_fields(films, year, skipped))
    stated = from_dbpedia.pop("language", None)
    fields = merge_fields(from_tmdb, more_tmdb or {}, from_dbpedia, netflix.find((title, aka), year))
    fields["alt_titles"] = other_titles(fields.get("alt_titles", ()), title, aka)
    if not fields.get("language"):
        fields["language"] = language_from_countries(fields.get("countries", ()), stated, original_title)
    return genres, fields


def build_items(data_dir: Path, skipped: Counter | None = None) -> tuple[list[Item], pd.DataFrame]:
    skipped = Counter() if skipped is None else skipped
    ml = data_dir / "movielens-latest-small"
    movies = pd.read_csv(ml / "movies.csv")
    links = pd.read_csv(ml / "links.csv", dtype={"imdbId": str})
    ratings = pd.read_csv(ml / "ratings.csv")
    tags = all_tags(pd.read_csv(ml / "tags.csv"))
    tmdb = read_tmdb(data_dir, skipped)
    films, netflix = load_credits(data_dir, tmdb, skipped)
    more_tmdb = read_movies_dataset(data_dir, skipped)
    join = pd.read_csv(data_dir / "redial" / "derived_redial_movie_join.csv").dropna(subset=["ml_movieId"])
    redial_of: dict[int, list[str]] = defaultdict(list)
    for redial_id, ml_id in zip(join.redial_movieId, join.ml_movieId):
        redial_of[int(ml_id)].append(str(redial_id))

    stats = ratings.groupby("movieId").rating.agg(["count", "mean"])
    tmdb_of = dict(zip(links.movieId, links.tmdbId))
    items = []
    for movie_id, raw_title, raw_genres in zip(movies.movieId, movies.title, movies.genres):
        title, year, aka = split_title(clean_text(raw_title, MAX_TITLE))
        if not title:
            skipped["movielens: movie without a title"] += 1
            continue
        genres = [g for g in str(raw_genres).split("|") if g in GENRES]
        tmdb_id = tmdb_of.get(movie_id)
        tmdb_id = int(tmdb_id) if pd.notna(tmdb_id) else None
        tmdb_row = tmdb.loc[tmdb_id] if tmdb_id in tmdb.index else None
        more_genres, extra = movie_fields(title, aka, year, tmdb_row, [films.get(r) for r in redial_of[movie_id]],
                                          netflix, skipped, original_title=bool(aka) and "(a.k.a. " not in raw_title,
                                          more_tmdb=more_tmdb.get(tmdb_id))
        count, mean = (stats.loc[movie_id] if movie_id in stats.index else (0, None))
        items.append(Item(
            id=str(movie_id), title=title, year=year, aka=aka,
            genres=tuple(dict.fromkeys(genres + more_genres)), tags=tuple(tags.get(movie_id, ())),
            num_ratings=int(count), mean_rating=round(float(mean), 2) if mean is not None else None,
            ml_id=int(movie_id), tmdb_id=tmdb_id, **extra,
        ))
    return items, ratings[["userId", "movieId", "rating"]]


def coverage(items: list[Item]) -> str:
    """A table of how many items have each descriptive field, and how many values the list fields hold."""
    lines = [f"{'field':<11} {'items':>6} {'share':>6} {'values':>7}"]
    for name in COVERAGE_FIELDS:
        values = [getattr(item, name) for item in items]
        have = sum(1 for value in values if value)
        total = sum(len(value) for value in values) if name in TUPLE_FIELDS else have
        lines.append(f"{name:<11} {have:>6} {have / max(len(items), 1):>6.1%} {total:>7}")
    return "\n".join(lines)


ATTRIBUTION = """# Where this catalog comes from

- **MovieLens ml-latest-small** (GroupLens Research, generated 2018-09-26): titles, years, genres, user
  tags and ratings. F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and
  Context. ACM TiiS 5, 4: 19:1–19:19. https://doi.org/10.1145/2827872
  Licence: research use; redistribution of the data and transformations of it only under the same terms;
  no commercial or revenue-bearing use without permission of GroupLens; no endorsement by the University
  of Minnesota or GroupLens is stated or implied. The full terms are in MOVIELENS_README.txt beside this file.
- **TMDB 5000 Movie Dataset**: overviews, taglines, keywords, runtimes, original languages, production
  companies, production countries and original titles (`alt_titles`) for the movies that link to it.
  This product uses the TMDB API but is not endorsed or certified by TMDB.
- **The Movies Dataset** (Rounak Banik, Kaggle, 2017-11-10; CC0 1.0 as listed there): TMDB keywords for the
  movies TMDB-5000 does not describe, and the overviews, taglines and runtimes of its first 2,996 metadata rows.
  The texts are TMDB's (community-written). This product uses the TMDB API but is not endorsed or certified by
  TMDB.
- **DBpedia** (https://www.dbpedia.org, data extracted from Wikipedia), in the subgraph around the ReDial
  movies published with KGSF/VRICR: cast, directors, writers, composers, distributors (in `companies`),
  countries and languages, for movies linked through ReDial. Licence: CC BY-SA 3.0
  (https://creativecommons.org/licenses/by-sa/3.0/); those fields are shared under the same licence.
- **Netflix Movies and TV Shows** (Shivam Bansal, Kaggle; CC0 1.0 as listed there): directors, cast and
  countries of movies matched by title and year. Netflix's descriptions are not used.
- **ReDial** (Li et al., NeurIPS 2018; CC BY 4.0): its movie list links MovieLens movies to DBpedia.
  `comention.npz` is a model fitted on the movies its training conversations mention (Raymond Li, Samira
  Kahou, Hannes Schulz, Vincent Michalski, Laurent Charlin, Chris Pal. Towards Deep Conversational
  Recommendations. NeurIPS 2018; https://redialdata.github.io/website/; licence
  https://creativecommons.org/licenses/by/4.0/), from the per-conversation mention lists of
  github.com/Vachonni/ReDial_CF2_MLP_dot re-mapped to ReDial ids; the conversations of the CRSLab validation
  split are left out. Each movie's 100 strongest co-mentioned movies and their weights, ReDial ids with
  their MovieLens ids from our own title + year join.

Rebuild with `python -m retrieval.build_catalog --data ../shared/data --out retrieval/data`.
Rebuild the co-mention model with `python -m retrieval.comention --data ../shared/data --out retrieval/data/comention.npz`.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder with the raw datasets")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data", help="output folder")
    parser.add_argument("--coverage", type=Path, metavar="CATALOG",
                        help="only print how many items of this catalog file have each field")
    args = parser.parse_args(argv)
    if args.coverage:
        print(coverage(load_catalog(args.coverage).items))
        return
    skipped: Counter = Counter()
    items, ratings = build_items(args.data, skipped)
    args.out.mkdir(parents=True, exist_ok=True)
    save_catalog(items, args.out / "catalog.jsonl.gz")
    csv = ratings.to_csv(index=False).encode()
    (args.out / "ratings.csv.gz").write_bytes(gzip.compress(csv, compresslevel=9, mtime=0))
    (args.out / "ATTRIBUTION.md").write_text(ATTRIBUTION)
    (args.out / "MOVIELENS_README.txt").write_bytes((args.data / "movielens-latest-small" / "README.txt").read_bytes())
    print(f"wrote {len(items)} items and {len(ratings)} ratings to {args.out}")
    print(coverage(items))
    for reason, count in sorted((+skipped).items()):
        print(f"left out: {reason}: {count}")


if __name__ == "__main__":
    main()
