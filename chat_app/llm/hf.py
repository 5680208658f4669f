"""transformers engine: the natural choice on CUDA, and the way to run any Hugging Face model id or folder.

It loads a model folder, a hub id (needs the internet or a filled HF cache), or a GGUF file (transformers
de-quantizes it; slow and memory-hungry on CPU, fine on a GPU). transformers has no grammar-constrained
decoding, so JSON answers are validated and retried by `complete_json` instead.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

from chat_app.llm.base import Deadline, Message, ModelLoadError, log_softmax_at


class TransformersModel:
    def __init__(self, model_id: str | Path, *, device: str = "auto", n_threads: int | None = None,
                 seed: int = 0, lock: threading.Lock | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if n_threads:
            torch.set_num_threads(n_threads)
        torch.manual_seed(seed)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        source, kwargs = str(model_id), {}
        path = Path(model_id)
        if path.suffix == ".gguf":
            source, kwargs = str(path.parent), {"gguf_file": path.name}
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            self._model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, **kwargs).to(device)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"transformers could not load '{model_id}' ({str(exc).splitlines()[0]}). Pass a local model "
                "folder, a .gguf file, or a hub id that is in your Hugging Face cache (this needs the "
                "internet the first time).") from exc
        self._model.eval()
        self.device = device
        self.name = path.name if path.exists() else str(model_id)
        self._lock = lock or threading.Lock()

    def stream(self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2,
               json_schema: dict | None = None, timeout_s: float | None = None) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        class StopWhenAsked(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs) -> bool:
                return stop.is_set()

        stop = threading.Event()
        deadline = Deadline(timeout_s)
        inputs = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True).to(self.device)
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True,
                                        timeout=timeout_s)
        sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        failure: list[BaseException] = []

        def generate() -> None:
            try:
                with torch.inference_mode():
                    self._model.generate(**inputs, max_new_tokens=max_tokens, streamer=streamer,
                                         pad_token_id=self._tokenizer.eos_token_id,
                                         stopping_criteria=StoppingCriteriaList([StopWhenAsked()]), **sampling)
            except BaseException as exc:  # surfaced to the caller below, never swallowed
                failure.append(exc)
                streamer.end()

        with self._lock:
            worker = threading.Thread(target=generate, daemon=True)
            worker.start()
            try:
                for piece in streamer:
                    deadline.check()
                    if piece:
                        yield piece
            finally:
                stop.set()  # the consumer stopped early (deadline, closed stream): end generation now
                worker.join()
        if failure:
            raise failure[0]

    def label_scores(self, messages: list[Message], labels: list[str]) -> list[float]:
        """Log-probabilities of each label being the answer's first token, from one forward pass."""
        import torch

        inputs = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True).to(self.device)
        label_ids = [self._tokenizer.encode(label, add_special_tokens=False)[0] for label in labels]
        with self._lock, torch.inference_mode():
            logits = self._model(**inputs).logits[0, -1].float().cpu().numpy()
        return log_softmax_at(logits, label_ids)
