"""Work off the crawler's reactor: a pool of CPU worker processes (``workers.pool``), and the shared
crawl frontier that lets several crawler processes split one round (``workers.frontier``)."""
