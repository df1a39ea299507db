from django.contrib.auth.models import AbstractUser
from django.db import models


class DriverType(models.TextChoices):
    GENERAL = "general", "일반"
    FRANCHISE = "franchise", "가맹"


class User(AbstractUser):
    """A person who logs in: a partner (driver) or a staff member.

    Partners log in with their mobile number (``phone``, 11 digits, normalised);
    staff have a plain username and no phone.
    """

    phone = models.CharField("휴대폰 번호", max_length=11, unique=True, null=True, blank=True)
    name = models.CharField("이름", max_length=50, blank=True)
    birth_date = models.DateField("생년월일", null=True, blank=True)
    qualification_no = models.CharField("자격번호", max_length=30, blank=True, db_index=True)
    driver_type = models.CharField(
        "기사 유형", max_length=10, choices=DriverType.choices, blank=True
    )

    class Meta:
        verbose_name = "회원"
        verbose_name_plural = "회원"

    def get_short_name(self) -> str:
        return self.name or self.get_username()
