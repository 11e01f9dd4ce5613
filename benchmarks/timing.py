"""Small helpers shared by the benchmark scripts: timed subprocesses, statistics, the machine."""

from __future__ import annotations

import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sysconfig
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TimedRun:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the children it waited for
    returncode: int
    stdout: bytes
    stderr: bytes


def script_path(name: str) -> str:
    """The interpreter's own script for ``name``, not a shim found first on PATH: pyenv's
    shims are bash scripts that add ~0.2 s to every start."""
    return shutil.which(name, path=sysconfig.get_path("scripts")) or shutil.which(name) or name


def benchmark_environment() -> dict[str, str]:
    """This environment without PYTHONDONTWRITEBYTECODE: an installed package runs from
    compiled bytecode, so the Python tool is timed that way (some shells set it to 1, and
    then every run compiles all of ssot-ls again)."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def run_timed(command: Sequence[str], cwd: Path) -> TimedRun:
    """Run `command` to completion; wall time from spawn to exit, CPU from rusage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, check=False,
                               env=benchmark_environment())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return TimedRun(wall, cpu, completed.returncode, completed.stdout, completed.stderr)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 30 samples is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def format_duration(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"


def machine_summary() -> str:
    """One line describing where the numbers come from; load matters on a shared box."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{platform.python_implementation()} {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load}"
    )


def tool_version(command: Sequence[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    return (
        (completed.stdout or completed.stderr).strip().splitlines()[0]
        if completed.returncode == 0
        else f"unavailable (exit {completed.returncode})"
    )
