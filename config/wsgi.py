import os

from django.core.wsgi import get_wsgi_application

from tutela.core.gc_freeze import FreezingApplication
from tutela.core.startup import process_prepare, var_secure

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The same settings as the `tutela` command (var/secrets.env) and private files (see startup).
process_prepare()
var_secure(deep=True)
# What the worker holds for its life is kept off the garbage collector's full passes (gc_freeze).
application = FreezingApplication(get_wsgi_application())
