WORDS = {'good': 1, 'bad': -1}


def score(text):
    return sum(WORDS.get(w, 0) for w in text.lower().split())
