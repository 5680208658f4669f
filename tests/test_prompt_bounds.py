"""A message reaches a prompt cut by tokens, not characters: 3,300 characters of emoji held the model 48 s."""

import pytest

from chat_app.gloss import MAX_PROMPT_TOKENS, needs_gloss, within_tokens
from chat_app.profile import Delta

FLOOD = "\u202e\u200d\u200d🎬🎬🎬\u2066\u2069" * 300


class Counting:
    """Counts a token per UTF-8 byte pair, roughly as a byte-level BPE does for emoji."""

    def count_tokens(self, text):
        return (len(text.encode("utf-8")) + 1) // 2


def test_a_flood_is_cut_to_the_token_budget_and_plain_text_is_kept():
    model = Counting()
    cut = within_tokens(model, FLOOD)
    assert model.count_tokens(cut) <= MAX_PROMPT_TOKENS < model.count_tokens(FLOOD[:1500])
    words = "a heist movie with a clever twist " * 3
    assert within_tokens(model, words) == words  # a request of ordinary length is not touched
    long_words = "word " * 400
    assert within_tokens(model, long_words).endswith("word") and model.count_tokens(within_tokens(model, long_words)) <= MAX_PROMPT_TOKENS


def test_an_engine_that_cannot_count_gets_a_character_per_token():
    assert len(within_tokens(object(), FLOOD)) <= MAX_PROMPT_TOKENS


def test_a_message_without_letters_is_not_glossed():
    assert not needs_gloss(Delta(), "🎬🎬🎬 !!! 123")


@pytest.mark.slow
def test_the_real_tokenizer_bounds_the_flood(small_llm):
    cut = within_tokens(small_llm, FLOOD)
    assert small_llm.count_tokens(cut) <= MAX_PROMPT_TOKENS
