"""The domain of Lägesbild: questionnaires, cycles, submissions and the rules around them.

Pure logic. Nothing here imports botbuilder, aiohttp, SQL drivers or mail libraries;
`tests/reporting/test_purity.py` checks it.
"""
