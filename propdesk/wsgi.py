import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")
application = get_wsgi_application()

from propdesk.gc import freeze_after_warm_up  # noqa: E402

freeze_after_warm_up()
