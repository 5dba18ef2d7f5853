"""Crawl stage: a Scrapy project with one generic spider over declared targets.

Entry points: :mod:`crawler.run` (``crawl``, ``crawl_deferred``, ``make_settings``);
declarations: :mod:`crawler.targets`; the item: :class:`crawler.items.FetchResult`.
"""
