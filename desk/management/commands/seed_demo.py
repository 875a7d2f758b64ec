from django.core.management.base import BaseCommand

from core.models import Company
from desk.demo import seed_demo


class Command(BaseCommand):
    help = "Load the demo company, projects, staff, rooms, residents and a month of requests."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a company exists already")
        parser.add_argument("--requests", type=int, default=300, help="requests in the main demo project")

    def handle(self, *args, if_empty=False, requests=300, **options):
        if Company.objects.exists():
            if if_empty:
                return
            self.stderr.write("The database has data already; demo data goes into an empty database only.")
            raise SystemExit(1)
        self.stdout.write("Loading demo data…")
        seed_demo(requests_per_project=requests)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
