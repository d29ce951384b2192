// Never built: scripts/deny only reads this crate's dependency graph.
