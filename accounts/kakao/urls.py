from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from accounts.kakao.provider import PortalKakaoProvider

urlpatterns = default_urlpatterns(PortalKakaoProvider)
