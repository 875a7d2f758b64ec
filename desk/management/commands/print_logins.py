from django.core.management.base import BaseCommand

from desk.demo import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Print the address and every demo login with its role."

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?", default="http://127.0.0.1:8000/")

    def handle(self, *args, address, **options):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"PropDesk is at {address}"))
        logins = demo_logins()
        if logins:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        else:
            self.stdout.write("No demo logins: load them with `manage.py seed_demo`.")
        for user, hint in logins:
            projects = "、".join(p.name for p in sorted(user.projects.all(), key=lambda p: p.pk))
            line = f"  {user.username:<10} {user.get_role_display()} · {user.name}"
            if projects:
                line += f" · {projects}"
            if hint:
                line += f" · {hint}"
            self.stdout.write(line)
        self.stdout.write(f"API docs: {address}api/docs/   Admin: {address}admin/")
        from estate.models import Resident

        owner = Resident.objects.filter(user__username="yezhu").exclude(phone="").first()
        if owner is not None:
            self.stdout.write(
                f"Residents' app: {address}my/   sign in with {owner.name}'s phone {owner.phone}; with the "
                "development SMS backend the code is printed here and kept in the admin's 开发发件箱"
            )
        self.stdout.write("")
