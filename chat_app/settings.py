"""One typed Settings object: command-line flags, CINECHAT_* environment variables, defaults, in that order.

Built once in launch.py (`Settings.from_cli()`), or constructed directly with overrides in tests. Every
value is validated here, so a bad flag or variable stops start-up with a message naming it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import CLI_SUPPRESS, BaseSettings, CliApp, SettingsConfigDict

from retrieval.catalog import MOVIES_DIR, CatalogError, resolve_catalog
from retrieval.chroma_server import parse_url
from retrieval.cores import available_cores


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cinechat"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CINECHAT_", cli_prog_name="launch.py", cli_kebab_case=True, cli_implicit_flags=True,
        extra="forbid", validate_default=True)

    host: str = Field("127.0.0.1", description="address to serve on; 0.0.0.0 exposes the app to your network")
    port: int = Field(7860, ge=1, le=65535, description="port to serve on")
    share: bool = Field(False, description="also open a public Gradio share link (needs the internet)")
    auth: str | None = Field(None, description="protect the UI and API with user:password")
    users_file: Path | None = Field(None, description="sign-in for several people: a file of names and password "
                                    "hashes, edited with `python -m chat_app.users add NAME --users-file PATH`; "
                                    "each person's conversations then follow them to any browser")
    model: str = Field("default", description="chat model: 'default' (packaged Qwen2.5-Coder-1.5B GGUF), "
                       "'small' (packaged 0.5B), a .gguf path, a local HF model folder, or a HF hub id")
    llm_url: str | None = Field(None, description="an OpenAI-compatible chat server to use instead of the "
                                "in-process model (vLLM, llama.cpp's server, Ollama, LM Studio), e.g. "
                                "http://127.0.0.1:8080/v1; the API key, if it needs one, is read from "
                                "CINECHAT_LLM_API_KEY or OPENAI_API_KEY")
    llm_model: str | None = Field(None, description="with --llm-url: the model name to ask the server for "
                                  "(default: the first model it lists)")
    # environment only (kept out of --help and of the process list); SecretStr keeps it out of reprs and logs
    llm_api_key: SecretStr | None = Field(None, description=CLI_SUPPRESS)  # CINECHAT_LLM_API_KEY
    engine: str = Field("auto", description="LLM engine: auto (CUDA -> transformers, else llama.cpp for GGUF), "
                        "llama.cpp, or transformers")
    threads: int = Field(default_factory=available_cores, ge=1, le=256,
                         description="CPU threads for the LLM (default: all cores)")
    embed_threads: int = Field(1, ge=1, le=256, description="CPU threads for query embeddings")
    meaning: bool = Field(True, description="match an English request that names no topic against the catalog's "
                          "topic words and the nearest items' keywords, where both agree (retrieval.meaning); off: "
                          "only the words written and the LLM's gloss name topics")
    multilingual: bool = Field(True, description="read requests in other languages against the catalog's topic "
                               "words with the packaged multilingual embedder (Universal Sentence Encoder "
                               "multilingual v3); off: only the LLM's gloss reads them")
    n_ctx: int = Field(4096, ge=512, le=131072, description="LLM context window in tokens")
    catalog: Path = Field(MOVIES_DIR, description="catalog to recommend from: a catalog folder (README: Catalog "
                          "folders), or a name: 'movies' (bundled) or a folder under catalogs/, e.g. 'books'")
    index_dir: Path = Field(default_factory=lambda: default_cache_dir() / "index",
                            description="folder for the Chroma index (rebuilt when catalog or embedder change)")
    chroma_url: str | None = Field(None, description="a Chroma server to keep the index in instead of "
                                   "--index-dir, shared by every app process pointed at it, e.g. "
                                   "http://127.0.0.1:8000 (start one with `chroma run --path "
                                   "~/.cache/cinechat/chroma --port 8000`)")
    cache_dir: Path = Field(default_factory=default_cache_dir, description="folder for joined model files")
    sessions_db: Path = Field(default_factory=lambda: default_cache_dir() / "sessions.sqlite3",
                              description="SQLite file where conversations and feedback are kept across restarts")
    rebuild_index: bool = Field(False, description="rebuild the index even if it looks current")
    # named "llm" so that the flag pair is --llm / --no-llm: argparse reads any flag starting with "--no-" as the
    # negative of a boolean, so a field called no_llm made "--no-llm" mean no_llm=False
    llm: bool = Field(True, description="use the LLM; --no-llm: rule-based understanding, evidence explanations")
    top_k: int = Field(5, ge=1, le=20, description="recommendations per reply")
    candidates: int = Field(50, ge=5, le=500, description="candidates retrieved before reranking")
    max_message_chars: int = Field(4000, ge=100, le=100_000, description="longest message read, in characters")
    history_max_mb: float = Field(20.0, gt=0, le=1024, description="largest history file (a Letterboxd, IMDb or "
                                  "Goodreads export) a person may import, in MB; larger ones are refused unread")
    history_max_rows: int = Field(20_000, ge=1, le=1_000_000, description="most rows of a history file an import "
                                  "reads; the rest are counted and the person is told")
    llm_timeout: float = Field(60.0, gt=0, le=3600, description="seconds one LLM call may take")
    concurrency: int = Field(1, ge=1, le=64, description="turns processed at once (default 1: "
                       "an in-process LLM serialises turns anyway; 8 with --llm-url, whose server batches them)")
    queue_size: int = Field(64, ge=1, le=10_000, description="turns that may wait; beyond that users are told to retry")
    seed: int = Field(0, description="random seed for the LLM")
    llm_rerank: bool = Field(False, description="let the LLM reorder the top 20 candidates (one extra prompt "
                             "per turn; see BENCHMARKS.md for what it gains on ReDial)")
    reading: str = Field("gloss", description="how the LLM reads a message: 'gloss' (one short line of plain "
                         "English that the rules then read: other languages, themes in other words; under a second "
                         "on 2 CPU cores) or 'json' (titles, likes, dislikes and intent as JSON: about 5 s on 2 "
                         "cores, for fast engines; see BENCHMARKS.md)")
    explain: str = Field("evidence", description="how picks are explained: 'evidence' (the why line built from "
                         "each pick's evidence, at once; the default, see BENCHMARKS.md) or 'llm' (the LLM rephrases "
                         "that evidence in one checked sentence per pick: a second model context, about 2-3 s per pick "
                         "on 2 CPU cores)")
    rerank_blend: float = Field(0.5, ge=0.0, le=1.0, description="weight of the LLM's order against the "
                                "retrieval order when --llm-rerank is on")
    ranker: str = Field("weights", description="how candidates are ranked: 'weights' (the hand-set feature "
                        "weights), 'ltr' (the learned LambdaMART model in retrieval/data/ranker.json.gz) or 'blend' "
                        "(the learned model for turns that ask from liked titles only, the weights otherwise); see "
                        "BENCHMARKS.md. Without the model file or lightgbm the weights rank, with a log line")

    @field_validator("auth")
    @classmethod
    def _auth_shape(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        user, sep, password = value.partition(":")
        if not sep or not user.strip() or not password:
            raise ValueError("auth must look like user:password, with a non-empty user and password")
        return value

    @field_validator("users_file")
    @classmethod
    def _one_sign_in(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        # a field check, so the error shows the path and never the --auth password
        if value is not None and info.data.get("auth"):
            raise ValueError("give --auth or --users-file, not both (add the --auth user to the users file)")
        return value

    @field_validator("engine")
    @classmethod
    def _engine_known(cls, value: str) -> str:
        if value not in ("auto", "llama.cpp", "transformers"):
            raise ValueError("engine must be auto, llama.cpp or transformers")
        return value

    @field_validator("catalog")
    @classmethod
    def _catalog_named(cls, value: Path) -> Path:
        # a bare name ("books") is looked up; a path stays as given (a missing one is reported at start-up)
        if value.exists() or len(value.parts) != 1:
            return value
        try:
            return resolve_catalog(value)
        except CatalogError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("explain")
    @classmethod
    def _explain_known(cls, value: str) -> str:
        if value not in ("evidence", "llm"):
            raise ValueError("explain must be evidence or llm")
        return value

    @field_validator("ranker")
    @classmethod
    def _ranker_known(cls, value: str) -> str:
        if value not in ("weights", "ltr", "blend"):
            raise ValueError("ranker must be weights, ltr or blend")
        return value

    @field_validator("reading")
    @classmethod
    def _reading_known(cls, value: str) -> str:
        if value not in ("gloss", "json"):
            raise ValueError("reading must be gloss or json")
        return value

    @field_validator("model")
    @classmethod
    def _model_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("model must not be empty")
        return value.strip()

    @field_validator("llm_url")
    @classmethod
    def _llm_url_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or len(value) > 2000:
            raise ValueError("llm-url must be an http:// or https:// address, e.g. http://127.0.0.1:8080/v1")
        return value

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_url(value)  # ValueError naming what is wrong
        return value.strip().rstrip("/")

    @field_validator("llm_model")
    @classmethod
    def _llm_model_given(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _remote_llm(self) -> "Settings":
        if self.llm_api_key is None and os.environ.get("OPENAI_API_KEY"):
            self.llm_api_key = SecretStr(os.environ["OPENAI_API_KEY"])
        if self.llm_url and "concurrency" not in self.model_fields_set:
            self.concurrency = 8  # the server batches concurrent requests; no local lock to queue on
        return self

    @model_validator(mode="after")
    def _paths_expanded(self) -> "Settings":
        self.catalog = self.catalog.expanduser()
        self.index_dir = self.index_dir.expanduser()
        self.cache_dir = self.cache_dir.expanduser()
        self.sessions_db = self.sessions_db.expanduser()
        self.users_file = self.users_file.expanduser() if self.users_file else None
        return self

    @property
    def no_llm(self) -> bool:
        return not self.llm

    @property
    def auth_pair(self) -> tuple[str, str] | None:
        if not self.auth:
            return None
        user, _, password = self.auth.partition(":")
        return user, password

    @classmethod
    def from_cli(cls, argv: list[str] | None = None) -> "Settings":
        return CliApp.run(cls, cli_args=argv)
