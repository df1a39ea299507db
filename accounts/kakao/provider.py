from allauth.socialaccount.providers.kakao.provider import KakaoProvider

from accounts.kakao.views import KakaoAdapter


class PortalKakaoProvider(KakaoProvider):
    """allauth's Kakao provider with the portal's OAuth2 adapter (``views.KakaoAdapter``);
    its URLs and views come from this package."""

    oauth2_adapter_class = KakaoAdapter


provider_classes = [PortalKakaoProvider]
