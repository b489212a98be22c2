import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ribambelle.settings")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, the URLs) lives as long as the worker: moved out of
# the garbage collector's generations, so that its full collections, a few tens of milliseconds
# each at the deadline, walk only what requests leave behind.
gc.freeze()
