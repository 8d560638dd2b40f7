"""What is kept: conversation memory, profiles, journeys and feedback in one private SQLite file."""
