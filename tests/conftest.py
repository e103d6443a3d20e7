"""Shared fixtures: assemble throw-away content folders from the fixture files."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import yaml

from pipeline.convert import Converter
from pipeline.normalize import site_from
from pipeline.routes import Routes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CONTENT = ROOT / "content"

ContentMaker = Callable[..., Path]


def routes_of(content: Path) -> Routes:
    """Give the routes of a content folder's site.yaml: where its build writes each output."""
    return Routes(site_from(yaml.safe_load((content / "site.yaml").read_text(encoding="utf-8"))))


FIXTURE_ROUTES = routes_of(FIXTURES)
"""The routes of tests/fixtures/site.yaml: Hugo, no permalink, files at the site root."""
SEED_ROUTES = routes_of(CONTENT)
"""The routes of the shipped site: linkerd.io's permalinks, files under `recaps/`."""


def assemble_content(folder: Path, recaps: Iterable[Path], people: Path | None = None,
                     site: Path | None = None) -> Path:
    """Give a content folder holding copies of `recaps` and the fixture people and site."""
    (folder / "recaps").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(people or FIXTURES / "people.yaml", folder / "people.yaml")
    shutil.copyfile(site or FIXTURES / "site.yaml", folder / "site.yaml")
    for recap in recaps:
        shutil.copyfile(recap, folder / "recaps" / recap.name)
    return folder


@pytest.fixture(scope="session")
def converter() -> Converter:
    """One converter, in memory, for the tests that render: each Markdown field is read
    once per session. A test that watches pandoc run builds its own."""
    return Converter()


@pytest.fixture
def make_content(tmp_path: Path) -> ContentMaker:
    def make(recaps: Iterable[Path] = (), people: Path | None = None, site: Path | None = None) -> Path:
        return assemble_content(tmp_path / "content", recaps, people, site)

    return make


@pytest.fixture
def empty_content(tmp_path: Path) -> Path:
    """The shipped people and site, and no recaps: an import collides with nothing."""
    folder = tmp_path / "content"
    (folder / "recaps").mkdir(parents=True)
    for name in ("people.yaml", "site.yaml"):
        shutil.copyfile(CONTENT / name, folder / name)
    return folder


@pytest.fixture
def seed_content(tmp_path: Path) -> Path:
    """A copy of the shipped content folder that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no build clock, colour setting or CI flag from the machine running them."""
    for name in ("SOURCE_DATE_EPOCH", "NO_COLOR", "CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
