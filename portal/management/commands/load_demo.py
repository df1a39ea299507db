"""Load the demo data (idempotent) and print the demo logins: used by ``make run``."""

import importlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_APPS = ("accounts", "courses", "membership")
STAFF_USERNAME = "staff"
STAFF_PASSWORD = "Staff1234!"


class Command(BaseCommand):
    help = "데모 데이터를 넣고(여러 번 실행해도 한 번만 들어갑니다) 데모 로그인을 보여 줍니다."

    def handle(self, *args, **options):
        lines = [self._staff()]
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                lines.extend(module.load())
        self.stdout.write("")
        self.stdout.write(f"Partner Place: {settings.SITE_URL}/")
        self.stdout.write("Demo logins:")
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write("")

    def _staff(self) -> str:
        user_model = get_user_model()
        staff, created = user_model.objects.get_or_create(
            username=STAFF_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "name": "교육팀 관리자"},
        )
        if created:
            staff.set_password(STAFF_PASSWORD)
            staff.save(update_fields=["password"])
        return f"staff (admin, {settings.SITE_URL}/admin/): {STAFF_USERNAME} / {STAFF_PASSWORD}"
