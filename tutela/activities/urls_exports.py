from django.urls import path

from tutela.activities.views import exports

urlpatterns = [
    path("template.xlsx", exports.template_download, name="template_download"),
    path("export.<str:fmt>", exports.rows_export, name="rows_export"),
]
