"""Django admin with the portal's own site (portal/admin_site.py), Django's documented
way to replace the default site: ``AdminConfig.default_site``."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"
