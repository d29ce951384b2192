DROP INDEX opinion_stats_sums;
