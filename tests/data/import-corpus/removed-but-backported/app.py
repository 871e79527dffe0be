import imghdr
import distutils.util
