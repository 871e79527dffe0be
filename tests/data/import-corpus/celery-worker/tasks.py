from celery import Celery
from kombu import Queue

app = Celery('tasks')
