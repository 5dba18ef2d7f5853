"""Scrapy's log lines without page bodies: an item is named by its target, outcome and URL.

Scrapy's own ``LogFormatter`` prints the whole item when it is scraped (DEBUG), dropped or fails
in a pipeline (ERROR); a ``FetchResult`` carries the page body, so one such line could be a
megabyte of HTML. Set as ``LOG_FORMATTER`` in crawler/settings.py.
"""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


def summary(item: Any) -> str:
    """``<FetchResult linkedin/privacy-policy fetched https://...>``: never the body."""
    fields = [getattr(item, name, None) for name in ("target_id", "outcome", "url")]
    return f"<{type(item).__name__} {' '.join(str(f) for f in fields if f)}>"


class BodilessLogFormatter(LogFormatter):
    """``LogFormatter`` whose item lines name the item instead of printing it."""

    @staticmethod
    def _short(result: LogFormatterResult, item: Any) -> LogFormatterResult:
        args = result["args"]
        if isinstance(args, dict) and "item" in args:
            result["args"] = {**args, "item": summary(item)}
        return result

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        return self._short(super().scraped(item, response, spider), item)

    def dropped(self, item: Any, exception: BaseException, response: Any,
                spider: Any) -> LogFormatterResult:
        return self._short(super().dropped(item, exception, response, spider), item)

    def item_error(self, item: Any, exception: BaseException, response: Any,
                   spider: Any) -> LogFormatterResult:
        return self._short(super().item_error(item, exception, response, spider), item)
