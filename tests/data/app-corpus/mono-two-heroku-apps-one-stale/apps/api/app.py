import monoweb

monoweb.serve()
