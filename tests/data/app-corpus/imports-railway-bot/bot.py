import os

import discord
from dotenv import load_dotenv

from cogs import greet

load_dotenv()
client = discord.Client(intents=discord.Intents.default())

if __name__ == '__main__':
    client.run(os.environ['TOKEN'])
