from django.core.management.base import BaseCommand

from desk import sla


class Command(BaseCommand):
    help = "Run one escalation pass now (the worker runs it every minute)."

    def handle(self, *args, **options):
        total = sla.escalation_pass()
        self.stdout.write(f"{total} escalation step(s) fired")
