"""Build the shared, read-only services from Settings: catalog, embedder, index, collaborative model, LLM.

Called by launch.py, the benchmark and the real-model tests, so all of them run the same parts. Each step
that can fail on a person's machine raises an error whose message says what to do.

The LLM is either in-process (llama.cpp or transformers, sharing one compute lock with the query embedder,
so turns queue on it) or, with --llm-url, an OpenAI-compatible server: then no local model is loaded, the
HTTP model takes no lock, and the server is asked for its models once here. A server that cannot be reached
or does not serve the asked model stops start-up (fail fast: the person asked for that server, and a silent
rules-only app would hide the mistake); failures later in a session fall back to the rules, turn by turn.
"""

from __future__ import annotations

import logging
import threading

from chat_app.llm.llamacpp import LlamaCppModel
from chat_app.llm.loader import load_chat_model, resolve_model
from chat_app.llm.openai_compat import OpenAICompatModel
from chat_app.pipeline import Services
from chat_app.settings import Settings
from retrieval.catalog import RATINGS_FILE, load_catalog
from retrieval.chroma_server import http_client
from retrieval.collaborative import ItemCF
from retrieval import ltr
from retrieval.comention import CoMention
from retrieval.rerank import RerankWeights
from retrieval.embeddings import MultilingualEmbedder, SentenceTransformerEmbedder
from retrieval.concepts import ConceptIndex
from retrieval.meaning import MeaningReader
from retrieval.lexical import Lexicon
from retrieval.store import ItemIndex, collection_name, persistent_client
from retrieval.titles import TitleIndex

log = logging.getLogger(__name__)


def build_services(settings: Settings, *, progress: bool = True, embedder=None, llm=None) -> Services:
    # one lock for all CPU-heavy inference: the LLM and the query embedder never fight over the cores
    compute_lock = threading.Lock()
    catalog = load_catalog(settings.catalog)
    log.info("catalog: %d %s from %s", len(catalog), catalog.domain.plural, catalog.path)
    # the index's store next: a wrong --chroma-url is reported before any slow model work
    client = http_client(settings.chroma_url) if settings.chroma_url else persistent_client(settings.index_dir)
    # find (and for packaged models join and verify) the model before the slow index work, so a bad
    # --model is reported at once
    if llm is None and not settings.no_llm and settings.llm_url is not None:
        llm = connect_remote(settings)  # no local model: the server's is checked here instead
    choice = None if llm is not None or settings.no_llm else resolve_model(
        settings.model, settings.cache_dir, progress=progress)
    embedder = embedder or SentenceTransformerEmbedder(threads=settings.embed_threads, lock=compute_lock)
    index = ItemIndex(client, catalog, embedder, collection_name(catalog))  # one collection per catalog
    index.open(rebuild=settings.rebuild_index, progress=None if progress else False)
    cf = ItemCF.load(catalog, catalog.folder / RATINGS_FILE)
    writer = llm if settings.explain == "llm" else None  # no writer: the evidence why lines are the explanations
    if choice is not None:
        load = lambda: load_chat_model(choice, engine=settings.engine, n_threads=settings.threads,
                                       n_ctx=settings.n_ctx, seed=settings.seed, lock=compute_lock)
        llm = load()
        writer = llm if settings.explain == "llm" else None
        if writer is not None and isinstance(llm, LlamaCppModel):
            # a second llama.cpp context on the same (memory-mapped, shared) weights: extraction and
            # explanation prompts each keep their own cached prefix instead of evicting each other's
            writer = load()
    years = [item.year for item in catalog if item.year]
    # the catalog's topic words, embedded once and kept beside the index (retrieval.concepts)
    concepts = ConceptIndex.build(catalog, embedder, settings.cache_dir / "concepts")
    return Services(
        catalog=catalog, titles=TitleIndex.from_catalog(catalog), index=index, embedder=embedder, cf=cf,
        llm=llm, writer=writer, k=settings.top_k, n_candidates=settings.candidates,
        max_message_chars=settings.max_message_chars, llm_timeout_s=settings.llm_timeout,
        latest_year=max(years) if years else 2018, llm_rerank=settings.llm_rerank, rerank_blend=settings.rerank_blend,
        lexicon=Lexicon(catalog), reading=settings.reading,
        concepts=concepts, meaning=MeaningReader(concepts, index, catalog) if settings.meaning else None,
        multilingual=ConceptIndex.build(catalog, MultilingualEmbedder(threads=settings.embed_threads,
                                                                      lock=compute_lock),
                                    settings.cache_dir / "concepts")
        if settings.multilingual else None,
        # the learned reranker (falls back to the hand weights, with a log line, when it cannot load)
        weights=ltr.load(mode=settings.ranker) if settings.ranker != "weights" else RerankWeights(),
        # what ReDial's training conversations mention together, over the catalog's MovieLens ids (items
        # without one get nothing from it); None when the file is absent
        comention=CoMention.load(catalog, "movielens") if any(item.ml_id for item in catalog) else None)


def connect_remote(settings: Settings) -> OpenAICompatModel:
    """The --llm-url server's model, checked once (raises ModelLoadError with what to fix)."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    llm = OpenAICompatModel.connect(settings.llm_url, settings.llm_model, api_key=key,
                                    timeout_s=min(settings.llm_timeout, 30.0))
    log.info("LLM: model %s on the server at %s (no local model loaded; up to %d turns at once)",
             llm.name, llm.url, settings.concurrency)
    return llm
