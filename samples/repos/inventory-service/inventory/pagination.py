"""Split listings into pages for the API."""


def paginate(items, page, page_size=20):
    """Return the items on a 1-based page.

    page 1 holds items[0:page_size], page 2 the next page_size items, and so on.
    """
    if page < 1:
        raise ValueError("page numbers start at 1")
    if page_size < 1:
        raise ValueError("page_size must be positive")
    start = page * page_size
    return items[start:start + page_size]


def page_count(total, page_size=20):
    """How many pages hold `total` items."""
    if page_size < 1:
        raise ValueError("page_size must be positive")
    return (total + page_size - 1) // page_size
