"""The Discord adapter: commands.Bot client, cogs and views, pure translators, rendering, delivery."""
