"""What the coach says: questions in, answers out (coach, composer, scope, follow-ups, language)."""
