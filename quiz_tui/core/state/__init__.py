"""What quiz-tui remembers: progress and drafts, exams, the session, settings and paths."""
