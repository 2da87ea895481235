"""Policy answers: import framework documents, search their sections, answer questions with citations."""
