from google.cloud import storage
import google.cloud.bigquery as bq
from google.api_core.exceptions import NotFound

client = storage.Client()
