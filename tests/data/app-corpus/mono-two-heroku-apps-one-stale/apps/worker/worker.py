import monoqueue
import monoweb

monoqueue.run(monoweb.handler)
