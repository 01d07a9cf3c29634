import pytest
from django.core.management import call_command

from tutela.core.access import is_manager, operations_for_user, roles_in
from tutela.core.models import AdminArea, Body, Contact, Operation, Organisation, User
from tutela.core.models.roles import Role

pytestmark = pytest.mark.django_db


def test_demo_loads_mali_with_real_pcodes_demo_organisations_and_a_user_per_role(capsys):
    call_command("demo")
    op = Operation.objects.get(slug="mali-demo")
    assert op.is_demo
    assert op.parent.slug == "sahel-demo"
    assert AdminArea.objects.filter(country_pcode="ML", level=3).count() > 600
    assert Organisation.objects.filter(is_demo=True).count() == Organisation.objects.count()
    assert Body.objects.filter(operation=op, kind="aor").count() == 4
    assert Body.objects.get(operation=op, code="GT-MOPTI").scope.get().pcode == "ML05"
    held = set(op.roles.values_list("role", flat=True))
    assert held == set(Role.values)
    coordinator = User.objects.get(email="coordinator@demo.tutela.org")
    assert is_manager(coordinator, op)
    regional = User.objects.get(email="regional@demo.tutela.org")
    assert op in operations_for_user(regional)
    assert roles_in(regional, op) == {Role.VIEWER}
    assert Contact.objects.filter(operation=op).count() == 9
    out = capsys.readouterr().out
    assert "coordinator@demo.tutela.org" in out
    assert "Tutela-Demo-2026!" in out


def test_demo_can_be_loaded_twice_without_duplicates():
    call_command("demo")
    counts = (User.objects.count(), Contact.objects.count(), Body.objects.count())
    call_command("demo")
    assert (User.objects.count(), Contact.objects.count(), Body.objects.count()) == counts
