"""Time the main pages in-process (no HTTP server) against DATABASE_URL: a quick check of the
Python side of each page while tuning. The real figures come from http_bench.py."""
import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"]="propdesk.settings"
django.setup()
from django.test import Client
from core.models import User
from desk.models import ServiceRequest
c=Client(HTTP_HOST="localhost")
u=User.objects.get(username="s004_kefu1"); c.force_login(u)
pk=ServiceRequest.objects.filter(project_id__in=u.project_ids(), room__isnull=False).order_by("-id").values_list("pk",flat=True)[0]
from urllib.parse import quote
urls={"list":"/requests/?kind=complaint&open=true","api":"/api/requests/?kind=complaint&open=true","detail":f"/requests/{pk}/",
"lookup_phone":"/intake/lookup/?q=13","search":f"/requests/?q={quote('漏水')}&project={list(u.project_ids())[0]}","healthz":"/healthz"}
from estate.models import Resident
ph=Resident.objects.filter(project_id__in=u.project_ids()).values_list("phone",flat=True)[0]
urls["lookup_phone"]=f"/intake/lookup/?q={ph}"; urls["lookup_last4"]=f"/intake/lookup/?q={ph[-4:]}"
for name,url in urls.items():
    if len(sys.argv)>1 and name not in sys.argv[1:]: continue
    for _ in range(3): r=c.get(url); assert r.status_code==200,(url,r.status_code)
    t=time.perf_counter(); n=20
    for _ in range(n): c.get(url)
    print(f"{name:14s} {(time.perf_counter()-t)/n*1000:6.1f} ms")
