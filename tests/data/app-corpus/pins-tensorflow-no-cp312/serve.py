import os

import tensorflow as tf

print(tf.__name__, os.environ.get("PORT"))
