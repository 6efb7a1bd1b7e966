"""Every page of the tracker under one `tracker:` namespace, from the feature that serves
it (the catalog pages have their own `catalog:` names, progress/browse_urls.py)."""

from .account.urls import urlpatterns as account
from .mentoring.urls import urlpatterns as mentoring
from .portfolio.urls import urlpatterns as portfolio
from .progress.urls import urlpatterns as progress

app_name = "tracker"
urlpatterns = [*progress, *portfolio, *mentoring, *account]
