"""Prompt templates as files: each `<name>.yaml` holds `variables` and Jinja `system` / `user` templates.

`load_prompt(name)` reads one, checks that the templates use exactly the declared variables, and returns a
`Prompt` whose `render(**values)` fails on a missing or unexpected variable instead of rendering blanks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import jinja2.meta
import yaml

PROMPT_DIR = Path(__file__).parent
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


class PromptError(Exception):
    """A prompt file is missing, malformed, or rendered with the wrong variables."""


@dataclass(frozen=True)
class Prompt:
    name: str
    variables: frozenset[str]
    system: jinja2.Template
    user: jinja2.Template

    def render(self, **values) -> list[dict[str, str]]:
        given = set(values)
        if given != self.variables:
            raise PromptError(f"prompt '{self.name}' takes {sorted(self.variables)}, got {sorted(given)}")
        return [
            {"role": "system", "content": self.system.render(**values).strip()},
            {"role": "user", "content": self.user.render(**values).strip()},
        ]


@lru_cache(maxsize=None)
def load_prompt(name: str, directory: Path = PROMPT_DIR) -> Prompt:
    path = directory / f"{name}.yaml"
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        declared = frozenset(spec["variables"])
        sources = {part: spec[part] for part in ("system", "user")}
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise PromptError(f"prompt file {path} is missing or malformed: {exc}") from exc
    used: set[str] = set()
    for source in sources.values():
        used |= jinja2.meta.find_undeclared_variables(_ENV.parse(source))
    if used != declared:
        raise PromptError(f"prompt '{name}' declares {sorted(declared)} but its templates use {sorted(used)}")
    return Prompt(name, declared, _ENV.from_string(sources["system"]), _ENV.from_string(sources["user"]))
