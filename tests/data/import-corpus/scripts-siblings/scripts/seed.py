from helpers import connect
import psycopg2
