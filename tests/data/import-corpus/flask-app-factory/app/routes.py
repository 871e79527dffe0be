from flask import Blueprint, render_template
from jinja2 import TemplateNotFound

from .models import Item

bp = Blueprint('main', __name__)
