import cv2
import sklearn.linear_model
import yaml
from bs4 import BeautifulSoup
from dotenv import load_dotenv
from PIL import Image
