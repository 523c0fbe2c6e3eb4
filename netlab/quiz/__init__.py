"""The quiz: question model, bank, generated questions, the pure session engine, the schedule
and the progress store."""
