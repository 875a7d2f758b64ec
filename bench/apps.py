from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Tooling for measuring at scale, for every app: the data generator (`manage.py generate_scale`)
    and its test; the benchmark scripts beside it. No models. It sits above every other app."""

    name = "bench"
