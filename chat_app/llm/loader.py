"""Turn a model choice ("default", "small", a .gguf path, a model folder, a hub id) into a running engine.

Engine choice with engine="auto": a CUDA GPU -> transformers; otherwise GGUF files run on llama.cpp and
anything else (folders, hub ids) on transformers on the CPU.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from chat_app.llm.base import ChatModel, ModelLoadError
from chat_app.llm.packaged import PACKAGED, ensure_packaged


@dataclass(frozen=True)
class ModelChoice:
    source: str  # a packaged name, a path or a hub id
    path: Path | None  # the local file/folder, when there is one
    is_gguf: bool


def resolve_model(spec: str, cache_dir: Path, *, progress: bool = True) -> ModelChoice:
    spec = (spec or "").strip()
    if not spec:
        raise ModelLoadError("no model given: use --model default, --model small, a .gguf path or a model id.")
    if spec in PACKAGED:
        return ModelChoice(spec, ensure_packaged(PACKAGED[spec], cache_dir / "models", progress=progress), True)
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".gguf" or path.is_file():
        if not path.exists():
            raise ModelLoadError(f"model file not found: {path}. Check the path passed to --model.")
        return ModelChoice(spec, path, True)
    if path.is_dir():
        return ModelChoice(spec, path, False)
    if spec.startswith((".", "/", "~")) or spec.count("/") != 1:
        raise ModelLoadError(
            f"'{spec}' is neither a packaged model ({', '.join(PACKAGED)}), an existing path, nor a Hugging "
            "Face id of the form owner/name.")
    return ModelChoice(spec, None, False)


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def load_chat_model(choice: ModelChoice, *, engine: str = "auto", n_threads: int = 2, n_ctx: int = 4096,
                    seed: int = 0, lock: threading.Lock | None = None) -> ChatModel:
    if engine not in ("auto", "llama.cpp", "transformers"):
        raise ModelLoadError(f"unknown engine '{engine}': use auto, llama.cpp or transformers.")
    if engine == "auto":
        engine = "transformers" if cuda_available() or not choice.is_gguf else "llama.cpp"
    if engine == "llama.cpp":
        if not choice.is_gguf:
            raise ModelLoadError(f"llama.cpp needs a .gguf file; '{choice.source}' is not one. "
                                 "Use --engine transformers or pass a .gguf path.")
        from chat_app.llm.llamacpp import LlamaCppModel

        return LlamaCppModel(choice.path, n_threads=n_threads, n_ctx=n_ctx, seed=seed, lock=lock)
    from chat_app.llm.hf import TransformersModel

    return TransformersModel(choice.path or choice.source, n_threads=n_threads, seed=seed, lock=lock)
