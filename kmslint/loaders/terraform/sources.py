"""Where a ``module`` call's code is, as Terraform finds it, or why kmslint cannot follow it.

- A local source (``./x``, ``../x``) is a directory beside the caller. kmslint follows it anywhere
  inside the repository that holds the scanned path (the git work tree; outside git, the scanned
  tree), so a scan of ``envs/prod`` checks ``../../modules/kms`` as ``terraform plan`` there would.
- Any other source (registry, git, S3, ...) is downloaded by ``terraform init``, which records each
  call in ``.terraform/modules/modules.json`` under the root module: ``Key`` is the dotted path of
  module names (``kms``, ``a.b``), ``Dir`` the directory relative to the root module. kmslint reads
  that file and never downloads anything itself.

A call that cannot be followed yields a reason (one sentence, what and how to fix) that the loader
lists as not checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

MODULES_JSON = Path(".terraform") / "modules" / "modules.json"
MAX_MODULES_JSON_BYTES = 16 * 1024 * 1024
# Terraform's registry address: [hostname/]namespace/name/provider, optionally with //subdir.
_REGISTRY = re.compile(r"^(?:[a-z0-9.-]+\.[a-z]+(?::\d+)?/)?[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/[A-Za-z0-9]+(?://.*)?$")


@dataclass(frozen=True)
class Followed:
    """The directory a call's code is in; ``downloaded`` when ``terraform init`` put it there."""

    directory: Path
    downloaded: bool = False



def is_local(source: str) -> bool:
    """Terraform treats only ``./`` and ``../`` prefixes as local paths (Windows ``.\\`` too)."""
    return source.startswith(("./", "../", ".\\", "..\\"))


def describe(source: str) -> str:
    if is_local(source):
        return f"local source {source}"
    if _REGISTRY.match(source):
        return f"registry source {source}"
    return f"remote source {source}"


def read_modules_json(root_dir: Path) -> Optional[dict[str, Path]]:
    """``Key`` -> resolved ``Dir`` from the root module's modules.json; None when there is none.
    A file that cannot be read or is not the expected shape counts as absent."""
    path = root_dir / MODULES_JSON
    try:
        if not path.is_file() or path.stat().st_size > MAX_MODULES_JSON_BYTES:
            return None
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    entries = data.get("Modules") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None
    out: dict[str, Path] = {}
    for e in entries:
        if isinstance(e, dict) and isinstance(e.get("Key"), str) and isinstance(e.get("Dir"), str):
            try:
                out[e["Key"]] = (root_dir / e["Dir"]).resolve()
            except (OSError, RuntimeError, ValueError):
                continue
    return out


def follow(
    name: str, source: str, caller_dir: Path, key_path: tuple[str, ...], root_dir: Path, boundary: Path, installed: Optional[dict[str, Path]]
) -> Union[Followed, str]:
    """The directory of the call ``module "<name>" { source = <source> }`` in ``caller_dir``, or
    why it is not followed. ``key_path`` is the call's module path from the root module."""
    what = f'module "{name}" ({describe(source)})'
    if is_local(source):
        try:
            target = (caller_dir / source.replace("\\", "/")).resolve()
        except (OSError, RuntimeError, ValueError):
            return f"{what}: the path cannot be resolved, so the module is not checked"
        if not target.is_relative_to(boundary):
            return f"{what}: it lies outside the repository ({boundary}), which kmslint never reads, so the module is not checked"
        if not target.is_dir():
            return f"{what}: the directory does not exist, so the module is not checked; fix the source path"
        return Followed(target)
    if installed is None:
        return f"{what}: not downloaded; run terraform init to check it"
    target_dir = installed.get(".".join(key_path))
    if target_dir is None:
        return f"{what}: not in {MODULES_JSON.as_posix()}; run terraform init again to check it"
    if not target_dir.is_relative_to(boundary) or not target_dir.is_dir():
        return f"{what}: its downloaded directory is missing or outside the repository; run terraform init to check it"
    return Followed(target_dir, downloaded=True)


def is_downloaded_path(rel: str) -> bool:
    """A file under a ``.terraform`` directory: code the user cannot change (a downloaded module)."""
    return ".terraform" in rel.split("/")
