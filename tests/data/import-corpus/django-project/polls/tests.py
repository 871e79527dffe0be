import pytest
from django.test import TestCase

from .models import Question
