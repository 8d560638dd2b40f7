"""The Slack adapter: Bolt app and listeners, pure translators, Block Kit rendering, delivery."""
