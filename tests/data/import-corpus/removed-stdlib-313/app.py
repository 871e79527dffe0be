import imghdr
import cgi
import distutils.util
import json
