from django.core.management.base import BaseCommand

from desk.demo import DEMO_PASSWORD, LOGINS


class Command(BaseCommand):
    help = "Print the address and one demo login per role."

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?", default="http://127.0.0.1:8000/")

    def handle(self, *args, address, **options):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"PropDesk is at {address}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, label in LOGINS:
            self.stdout.write(f"  {username:<10} {label}")
        self.stdout.write(f"API docs: {address}api/docs/   Admin: {address}admin/")
        self.stdout.write("")
