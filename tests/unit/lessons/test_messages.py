"""pydantic's bound errors in kubelab's own words."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from kubelab.lessons.messages import own_words


class Bounded(BaseModel):
    at_least: int = Field(default=1, ge=1)
    more_than: int = Field(default=1, gt=0)
    at_most: int = Field(default=1, le=600)
    less_than: int = Field(default=1, lt=5)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("at_least", 0, "must be at least 1, found 0"),
        ("more_than", -3, "must be more than 0, found -3"),
        ("at_most", 601, "must be at most 600, found 601"),
        ("less_than", 5, "must be less than 5, found 5"),
    ],
)
def test_bounds_read_as_words(field: str, value: int, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Bounded.model_validate({field: value})
    (error,) = caught.value.errors()
    assert own_words(error) == words
