"""Kakao login: allauth's Kakao provider, with Kakao's addresses and scope format from
settings (``SOCIALACCOUNT_PROVIDERS["kakao"]["provider_class"]``)."""
