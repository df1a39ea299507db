from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who logs in: a partner (driver) or a staff member."""

    class Meta:
        verbose_name = "회원"
        verbose_name_plural = "회원"
