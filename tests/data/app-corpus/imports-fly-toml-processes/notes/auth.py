from flask import Blueprint
from flask_login import LoginManager

bp = Blueprint('auth', __name__)
login = LoginManager()
