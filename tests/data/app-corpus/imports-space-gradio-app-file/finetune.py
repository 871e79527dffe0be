import torch
from datasets import load_dataset

if __name__ == '__main__':
    load_dataset('imdb')
