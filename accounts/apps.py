from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "회원"

    def ready(self) -> None:
        from allauth.socialaccount.providers.kakao.views import KakaoOAuth2Adapter
        from django.conf import settings

        # Kakao's addresses come from settings so that a test can point them at its
        # fake OAuth server on 127.0.0.1 (accounts.md, "Log in with Kakao").
        KakaoOAuth2Adapter.authorize_url = property(lambda self: settings.KAKAO_AUTHORIZE_URL)
        KakaoOAuth2Adapter.access_token_url = property(lambda self: settings.KAKAO_TOKEN_URL)
        KakaoOAuth2Adapter.profile_url = property(lambda self: settings.KAKAO_PROFILE_URL)
