"""The handout's layout, measured from rendered pixels: the seed (two pages), a meeting
recap and a short sections-only recap, the three visual fixtures in tests/golden/handouts/."""

from __future__ import annotations

from functools import cache

import pytest
from handout_pixels import (
    GOLDEN,
    VISUAL_FIXTURES,
    PageMeasure,
    fixture_handout,
    measure_page,
    page_images,
    png_bytes,
)

LEVEL = 0.08
"""How far (a fraction of the page body) two columns may end apart: about four lines."""


@cache
def measures(name: str) -> list[PageMeasure]:
    return [measure_page(image) for image in page_images(fixture_handout(name))]


@pytest.mark.parametrize("name", VISUAL_FIXTURES)
def test_no_page_but_the_last_has_an_empty_band_over_a_third_of_its_height(name: str) -> None:
    for page in measures(name)[:-1]:
        assert page.left_gap < 1 / 3 and page.right_gap < 1 / 3, page


@pytest.mark.parametrize("name", VISUAL_FIXTURES)
def test_never_one_column_full_beside_an_empty_one(name: str) -> None:
    for page in measures(name):
        assert min(page.left_fill, page.right_fill) > 0.75 * max(page.left_fill, page.right_fill), page


@pytest.mark.parametrize("name", VISUAL_FIXTURES)
def test_the_last_page_ends_its_two_columns_level(name: str) -> None:
    last = measures(name)[-1]
    assert abs(last.left_fill - last.right_fill) < LEVEL, last


def test_a_short_recap_gets_one_column_and_longer_ones_two() -> None:
    assert [page.gutter_used for page in measures("sections-only")] == [True]
    assert [page.gutter_used for page in measures("meeting")] == [False]
    assert [page.gutter_used for page in measures("seed")] == [False, False]


def test_the_seed_fills_its_first_page() -> None:
    first = measures("seed")[0]
    assert min(first.left_fill, first.right_fill) > 0.85, first


@pytest.mark.parametrize("name", VISUAL_FIXTURES)
def test_the_reviewed_page_images_are_current(name: str) -> None:
    """tests/golden/handouts/ shows what the template makes; `invoke golden` renews it."""
    images = page_images(fixture_handout(name), dpi=72)
    stored = sorted(GOLDEN.glob(f"{name}-*.png"))
    assert len(stored) == len(images)
    for path, image in zip(stored, images, strict=True):
        assert path.read_bytes() == png_bytes(image), f"{path.name} is stale: run `invoke golden`"

