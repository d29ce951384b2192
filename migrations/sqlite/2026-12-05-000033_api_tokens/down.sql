DROP TABLE opinion_links;
DROP TABLE api_tokens;
