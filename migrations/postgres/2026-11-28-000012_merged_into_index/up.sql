-- Every public step of a case looks for the duplicates merged into it
-- (notify_followers: merged_into = ?); without an index that is a scan of every
-- case. Partial: most cases are merged into nothing.
CREATE INDEX opinions_merged_into ON opinions (merged_into) WHERE merged_into IS NOT NULL;
