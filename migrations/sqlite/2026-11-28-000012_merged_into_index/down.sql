DROP INDEX opinions_merged_into;
