"""Entry points: parse arguments, load configuration, call read -> transform -> write."""
