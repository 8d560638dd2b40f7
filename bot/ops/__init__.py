"""Running and measuring the bot: the `coachbot` command line, doctor, eval and bench."""
