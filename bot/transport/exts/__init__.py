"""One extension per feature, each with ``async def setup(bot)``."""
