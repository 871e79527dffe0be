from faker import Faker

print(Faker().name())
