from django.conf import settings


def portal(request):
    return {"guide_centre_phone": settings.GUIDE_CENTRE_PHONE}
