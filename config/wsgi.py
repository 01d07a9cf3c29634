import os

from django.core.wsgi import get_wsgi_application

from tutela.core.startup import process_prepare, var_secure

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The same settings as the `tutela` command (var/secrets.env) and private files (see startup).
process_prepare()
var_secure(deep=True)
application = get_wsgi_application()
