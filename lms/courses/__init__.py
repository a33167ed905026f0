"""Courses, lessons, quizzes in Moodle's GIFT format, programs and assignments."""
