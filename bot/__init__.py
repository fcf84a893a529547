"""Microsoft Teams edge: the aiohttp app, botbuilder adapter and Teams handlers. The only package that imports botbuilder."""
