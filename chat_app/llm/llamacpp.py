"""llama.cpp engine (llama-cpp-python): the CPU default, with grammar-constrained JSON output.

One `Llama` object is not thread-safe, so every generation holds the model's lock from first to last token;
concurrent sessions queue here. The lock can be shared with other CPU-heavy work (the query embedder) so
the two never fight over the same cores.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import Iterator

import numpy as np

from chat_app.llm.base import Deadline, Message, ModelLoadError, ModelOutputError, log_softmax_at


def check_gguf(path: Path) -> None:
    if not path.is_file():
        raise ModelLoadError(f"model file not found: {path}. Pass --model with an existing .gguf file, "
                             "or use --model default / --model small for the packaged models.")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise ModelLoadError(f"{path} is not a GGUF model file (it starts with {magic!r}). "
                             "Re-download it, or pass another --model.")


class LlamaCppModel:
    constrained_json = True  # JSON answers are decoded under a grammar made from the schema

    def __init__(self, path: str | Path, *, n_threads: int = 2, n_ctx: int = 4096, seed: int = 0,
                 lock: threading.Lock | None = None):
        path = Path(path)
        check_gguf(path)
        from llama_cpp import Llama  # heavy import kept out of module import

        try:
            self._llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads,
                              n_threads_batch=n_threads, seed=seed, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"llama.cpp could not load {path} ({exc}). The file may be truncated or "
                                 "corrupt: re-download it, or pass another --model.") from exc
        self.name = path.stem
        self.n_ctx = n_ctx
        self._lock = lock or threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8", "ignore"), add_bos=False))

    def stream(self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2,
               json_schema: dict | None = None, timeout_s: float | None = None) -> Iterator[str]:
        deadline = Deadline(timeout_s)
        kwargs = {}
        if json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        with self._lock:
            chunks = self._llm.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True, **kwargs)
            try:
                for chunk in chunks:
                    deadline.check()
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            finally:
                chunks.close()

    @cached_property
    def _formatter(self):
        """The model's own chat template (from the GGUF), compiled once; None when the GGUF has none."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        vocab = self._llm._model
        return Jinja2ChatFormatter(template=template, eos_token=vocab.token_get_text(vocab.token_eos()),
                                   bos_token=vocab.token_get_text(vocab.token_bos()))

    def _chat_prompt(self, messages: list[Message]) -> str:
        """The prompt text ending where the assistant's answer starts."""
        if self._formatter is None:
            raise ModelOutputError(f"{self.name} has no chat template, so its answers cannot be scored")
        return self._formatter(messages=messages).prompt

    def label_scores(self, messages: list[Message], labels: list[str]) -> list[float]:
        """Log-probabilities of each label being the answer's first token, from one forward pass."""
        tokens = self._llm.tokenize(self._chat_prompt(messages).encode("utf-8"), special=True)
        label_ids = [self._llm.tokenize(label.encode("utf-8"), add_bos=False)[0] for label in labels]
        if len(tokens) >= self.n_ctx:
            raise ModelOutputError(f"the ranking prompt ({len(tokens)} tokens) does not fit the context")
        with self._lock:
            llm = self._llm
            # reuse the longest cached prefix, as generation does (at least the last token is evaluated)
            llm.n_tokens = llm.longest_token_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens[:-1])
            llm.eval(tokens[llm.n_tokens:])
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).copy()
        return log_softmax_at(logits, label_ids)
