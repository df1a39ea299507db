from django.conf import settings


def portal(request):
    from accounts.selectors import guide_centre_status

    # The footer of every page says whether the guide centre answers now.
    return {
        "guide_centre_phone": settings.GUIDE_CENTRE_PHONE,
        "guide_centre": guide_centre_status(),
    }
