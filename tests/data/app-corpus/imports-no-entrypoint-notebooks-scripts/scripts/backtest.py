import yfinance
