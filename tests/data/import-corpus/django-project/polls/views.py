from django.http import HttpResponse

from .models import Question
