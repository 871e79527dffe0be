import requests

resp = requests.post('http://localhost:8000/predict', json={'text': 'hello'})
print(resp.json())
