"""What a job item keeps of its messages: the first ones, as many as fit, each cut short."""

from ingestion.domain.formats.row_errors import MAX_ROW_MESSAGE_CHARS, describe_problem, quoted
from ingestion.domain.job import MAX_ERROR_SAMPLES, samples_that_fit


def test_the_first_messages_are_kept_up_to_the_count_and_the_bytes():
    assert samples_that_fit(["a"] * 48, ["b", "c", "d"], budget_bytes=1000) == ("b", "c")
    assert len(samples_that_fit([], ["m"] * 80, budget_bytes=1000)) == MAX_ERROR_SAMPLES
    # "€" is 3 bytes in UTF-8, as DynamoDB sizes it: 5 + 3 fit in 9 bytes, the next does not
    assert samples_that_fit(["12345"], ["€", "x"], budget_bytes=8) == ("€",)


def test_the_first_that_does_not_fit_ends_the_list():
    assert samples_that_fit([], ["x" * 6, "y" * 9, "z"], budget_bytes=10) == ("x" * 6,)


def test_a_long_cell_is_quoted_cut_with_its_length_and_a_message_never_outgrows_its_cap():
    assert quoted("x" * 12_345) == f"'{'x' * 40}'... (12,345 characters)"
    assert quoted("short") == "'short'"
    message = describe_problem(7, 3, "N" * 5000, "bad " * 5000)
    assert message.startswith(f"Line 7, column 3 ({'N' * 40}... (5,000 characters)): bad")
    assert len(message) <= MAX_ROW_MESSAGE_CHARS + len("... (20,000 characters)") + 10
