"""Installing the Microsoft 365 Agents Playground: the npm package pinned in
`tools/playground/`, installed with `npm ci` on first use (once, under a file lock, as a demo
and a test run may both try), with Node.js checked first."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from lagesbild.playground_config import PlaygroundError

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOL_DIR = REPO_ROOT / "tools" / "playground"
PACKAGE = "@microsoft/m365agentsplayground"
MIN_NODE_MAJOR = 20


def child_env(extra: Mapping[str, str], *, for_npm: bool = False) -> dict[str, str]:
    """A whitelisted environment: nothing of Lägesbild's or Bot Framework's settings leaks in."""
    keep = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT"}
    npm_keep = {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"}

    def wanted(key: str) -> bool:
        if key in keep or key.startswith("LC_"):
            return True
        return for_npm and (key.upper() in npm_keep or key.lower().startswith("npm_config_"))

    env = {key: value for key, value in os.environ.items() if wanted(key)}
    env.update(extra)
    return env


def tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def pinned_version(tool_dir: Path = TOOL_DIR) -> str:
    package = json.loads((tool_dir / "package.json").read_text("utf-8"))
    return str(package["dependencies"][PACKAGE])


def installed_version(tool_dir: Path = TOOL_DIR) -> str | None:
    manifest = tool_dir / "node_modules" / PACKAGE / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text("utf-8"))["version"])


def check_node() -> str:
    node = shutil.which("node")
    if node is None:
        raise PlaygroundError(
            f"Node.js saknas; Agents Playground behöver Node.js {MIN_NODE_MAJOR} eller senare. "
            f"/ Node.js is missing; the Agents Playground needs Node.js {MIN_NODE_MAJOR}+."
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if not match or int(match.group(1)) < MIN_NODE_MAJOR:
        raise PlaygroundError(
            f"Node.js {version or '?'} är för gammal; Agents Playground behöver {MIN_NODE_MAJOR}+. "
            f"/ Node.js {version or '?'} is too old; the Agents Playground needs {MIN_NODE_MAJOR}+."
        )
    return node


def ensure_installed(tool_dir: Path = TOOL_DIR, *, timeout: float = 600.0) -> Path:
    """Install the pinned Playground with `npm ci` unless it is there already; return its cli.js."""
    check_node()
    pinned = pinned_version(tool_dir)
    cli = tool_dir / "node_modules" / PACKAGE / "cli.js"
    if installed_version(tool_dir) == pinned and cli.is_file():
        return cli
    npm = shutil.which("npm")
    if npm is None:
        raise PlaygroundError("npm saknas (kommer med Node.js) / npm is missing (it comes with Node.js)")
    lock_dir = REPO_ROOT / ".tools"
    lock_dir.mkdir(exist_ok=True)
    with open(lock_dir / "playground-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a demo and a test run may both try to install
        if installed_version(tool_dir) == pinned and cli.is_file():
            return cli
        log.info("Installerar Agents Playground %s (npm ci i %s)", pinned, tool_dir)
        try:
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=tool_dir,
                env=child_env({}, for_npm=True),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            output = "".join(
                part.decode(errors="replace") if isinstance(part, bytes) else part
                for part in (exc.stdout or "", exc.stderr or "")
            )
            raise PlaygroundError(
                f"npm ci i {tool_dir} tog mer än {timeout:.0f} s / took longer than {timeout:.0f} s\n{tail(output, 200)}"
            ) from exc
        if result.returncode != 0:
            raise PlaygroundError(
                f"npm ci i {tool_dir} misslyckades (kod {result.returncode}) / failed (exit {result.returncode}):\n"
                f"{tail(result.stdout + result.stderr, 200)}"
            )
    if installed_version(tool_dir) != pinned:
        raise PlaygroundError(
            f"npm ci installerade {installed_version(tool_dir)}, inte {pinned} / installed the wrong version"
        )
    return cli
