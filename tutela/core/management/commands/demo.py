from typing import Any

from django.core.management.base import BaseCommand

from tutela.core.services.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the Mali demo operation (real P-codes, fictional organisations and people)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_load()
        self.stdout.write(f"Demo operation: {result.operation.name} ({result.operation.slug})")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role, org in result.logins:
            self.stdout.write(f"  {email:<32} {role} — {org}")
