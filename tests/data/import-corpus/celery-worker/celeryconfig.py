broker_url = 'redis://'
