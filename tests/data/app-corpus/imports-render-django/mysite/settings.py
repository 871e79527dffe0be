SECRET_KEY = 'x'
INSTALLED_APPS = [
    'django.contrib.admin',
    'polls.apps.PollsConfig',
]
ROOT_URLCONF = 'mysite.urls'
