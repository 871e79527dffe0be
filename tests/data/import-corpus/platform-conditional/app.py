import os
import sys

if sys.platform == 'win32':
    import winreg
    import pywintypes
elif sys.platform == 'darwin':
    import AppKit
else:
    import fcntl

if os.name == 'nt':
    import msvcrt

if sys.platform.startswith('win'):
    import win32api

import requests
