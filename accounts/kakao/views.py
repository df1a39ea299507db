from allauth.socialaccount.providers.kakao.views import KakaoOAuth2Adapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings


class KakaoAdapter(KakaoOAuth2Adapter):
    """Kakao's addresses from settings, so that tests and staging can point them at
    another server; scopes comma-separated, as Kakao's authorize request takes them."""

    scope_delimiter = ","

    @property
    def authorize_url(self) -> str:
        return settings.KAKAO_AUTHORIZE_URL

    @property
    def access_token_url(self) -> str:
        return settings.KAKAO_TOKEN_URL

    @property
    def profile_url(self) -> str:
        return settings.KAKAO_PROFILE_URL


oauth2_login = OAuth2LoginView.adapter_view(KakaoAdapter)
oauth2_callback = OAuth2CallbackView.adapter_view(KakaoAdapter)
