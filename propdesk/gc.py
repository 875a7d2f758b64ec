"""Keep the garbage collector's full collections short in a long-running app server.

A worker's long-lived objects (Django, the apps, their modules, the URL resolver, translation
catalogues, the caches filled by the first requests: several hundred thousand) were scanned at
every full collection: 100–200 ms pauses on the 2-core benchmark machine, the slowest requests of
a run (docs/performance.md). `gc.freeze()` moves every object that exists into a permanent
generation the collector no longer scans; objects made later are collected as before (and
reference counting frees almost everything anyway). Freezing once at start and once more when
the first requests have filled the lazy caches took the longest full collection from 113 ms to
about 20 ms.
"""

import gc

WARM_UP_REQUESTS = 200


def freeze_after_warm_up(requests: int = WARM_UP_REQUESTS) -> None:
    from django.core.signals import request_finished
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loading the URLconf imports every view module now
    gc.collect()
    gc.freeze()
    seen = 0

    def count(**_kwargs):
        nonlocal seen
        seen += 1
        if seen >= requests:
            request_finished.disconnect(count)
            gc.collect()
            gc.freeze()

    request_finished.connect(count, weak=False)
