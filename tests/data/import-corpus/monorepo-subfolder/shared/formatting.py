def money(x):
    return f'${x}'
