DROP TABLE badge_tokens;
DROP TABLE status_pages;
