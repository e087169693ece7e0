"""Running govcrawl (or a test module) in a subprocess, the same way in every test and bench.

A crawl in a subprocess gets a Twisted/asyncio reactor of its own. The caller's proxy
variables are dropped so that a developer's proxy never sees loopback test traffic; a test
that wants a proxy passes its own in ``env``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOVCRAWL = Path(sys.executable).with_name("govcrawl")  # the installed console script


def env_without_proxy(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any *_proxy variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(extra or {})
    return env


def run(
    argv: list[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
    cwd: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """``argv`` from the repository root, output captured, proxies dropped (see above)."""
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env_without_proxy(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_govcrawl(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """The installed ``govcrawl`` script with ``args``."""
    return run([str(GOVCRAWL), *args], env=env, timeout=timeout)


def run_module(module: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` (e.g. the simulated-portals crawl driver)."""
    return run([sys.executable, "-m", module, *args], timeout=timeout)
