import urllib2

print 'hello'
